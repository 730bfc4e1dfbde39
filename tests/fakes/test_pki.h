// TestPki: certificates made on the fly for TLS tests (and, from issue 4 on, the certificate
// checks): a CA, leaves with chosen validity, EKU, SANs and key type, written as PEM files into
// a temporary directory that is removed with the object.
#pragma once

#include "tests/fakes/temp_dir.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

namespace ksstp::test {

struct CertSpec {
    std::string cn = "vpn.example.net";
    std::vector<std::string> dns{"vpn.example.net"};
    std::vector<std::string> ips{"198.18.0.1"};
    long not_before_days = -1;  // relative to now
    long not_after_days = 365;
    bool server_auth_eku = true;
    bool client_auth_eku = false;
    bool ec = true;             // ECDSA P-256, else RSA
    int rsa_bits = 2048;
};

struct Issued {
    std::string cert_pem;  // path
    std::string key_pem;   // path
    std::string chain_pem; // leaf + issuer, path
};

class TestPki {
public:
    TestPki();
    ~TestPki();
    TestPki(const TestPki&) = delete;
    TestPki& operator=(const TestPki&) = delete;

    const std::string& dir() const { return dir_; }
    const std::string& ca_pem() const { return ca_pem_; }
    // A leaf signed by this CA (or self-signed with `self_signed`).
    Issued issue(const std::string& name, const CertSpec& spec, bool self_signed = false);

private:
    TempDir tmp_;
    std::string dir_, ca_pem_;
    EVP_PKEY* ca_key_ = nullptr;
    X509* ca_cert_ = nullptr;
};

}  // namespace ksstp::test
