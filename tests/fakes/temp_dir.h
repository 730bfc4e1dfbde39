// TempDir: a directory of its own for one test, removed with the object. ctest runs every
// test case as its own process, several at once: a fixed name under /tmp is shared between
// them, and one test's file can be overwritten by another's mid-test (CI saw exactly that).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace ksstp::test {

class TempDir {
public:
    explicit TempDir(const std::string& prefix = "ksstp-test") {
        // mkdtemp(3) turns the template's last six characters, six 'X's, into a unique name.
        std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-" + std::string(6, 'X'))).string();
        if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp " + tmpl + " failed");
        path_ = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }
    // A path for `name` inside the directory.
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

}  // namespace ksstp::test
