// Test certificates; see test_pki.h.
#include "tests/fakes/test_pki.h"

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace ksstp::test {
namespace {

EVP_PKEY* new_key(bool ec, int rsa_bits) {
    EVP_PKEY* k = ec ? EVP_EC_gen("P-256") : EVP_RSA_gen(unsigned(rsa_bits));
    if (!k) throw std::runtime_error("key generation failed");
    return k;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (!ext) throw std::runtime_error("bad extension " + value);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

X509* make_cert(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key, long nb_days,
                long na_days, bool ca, const CertSpec* spec, long serial) {
    X509* c = X509_new();
    X509_set_version(c, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
    X509_gmtime_adj(X509_getm_notBefore(c), nb_days * 86400L);
    X509_gmtime_adj(X509_getm_notAfter(c), na_days * 86400L);
    X509_set_pubkey(c, key);
    X509_NAME* name = X509_get_subject_name(c);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : name);
    X509* iss = issuer ? issuer : c;
    if (ca) {
        add_ext(c, iss, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(c, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_ext(c, iss, NID_basic_constraints, "CA:FALSE");
        std::string eku;
        if (spec->server_auth_eku) eku = "serverAuth";
        if (spec->client_auth_eku) eku += eku.empty() ? "clientAuth" : ",clientAuth";
        if (eku.empty()) eku = "emailProtection";  // a purpose that is not serverAuth
        add_ext(c, iss, NID_ext_key_usage, eku);
        std::string san;
        for (const auto& d : spec->dns) san += (san.empty() ? "" : ",") + std::string("DNS:") + d;
        for (const auto& i : spec->ips) san += (san.empty() ? "" : ",") + std::string("IP:") + i;
        if (!san.empty()) add_ext(c, iss, NID_subject_alt_name, san);
    }
    if (!X509_sign(c, issuer_key ? issuer_key : key, EVP_sha256())) throw std::runtime_error("X509_sign failed");
    return c;
}

void write_cert(const std::string& path, std::initializer_list<X509*> certs) {
    FILE* f = std::fopen(path.c_str(), "w");
    for (X509* c : certs) PEM_write_X509(f, c);
    std::fclose(f);
}

void write_key(const std::string& path, EVP_PKEY* k) {
    FILE* f = std::fopen(path.c_str(), "w");
    PEM_write_PrivateKey(f, k, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
}

}  // namespace

TestPki::TestPki() {
    char tmpl[] = "/tmp/ksstp-pki-XXXXXX";
    if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    ca_key_ = new_key(true, 0);
    // A distinct name per CA: OpenSSL finds issuers by name, so two test CAs must not share one.
    ca_cert_ = make_cert(ca_key_, "ksstp test CA " + dir_.substr(dir_.rfind('-') + 1), nullptr, nullptr, -1, 3650,
                         true, nullptr, 1);
    ca_pem_ = dir_ + "/ca.pem";
    write_cert(ca_pem_, {ca_cert_});
}

TestPki::~TestPki() {
    X509_free(ca_cert_);
    EVP_PKEY_free(ca_key_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

Issued TestPki::issue(const std::string& name, const CertSpec& spec, bool self_signed) {
    static long serial = 100;
    EVP_PKEY* key = new_key(spec.ec, spec.rsa_bits);
    X509* cert = make_cert(key, spec.cn, self_signed ? nullptr : ca_cert_, self_signed ? nullptr : ca_key_,
                           spec.not_before_days, spec.not_after_days, false, &spec, ++serial);
    Issued out{dir_ + "/" + name + ".pem", dir_ + "/" + name + ".key", dir_ + "/" + name + "-chain.pem"};
    write_cert(out.cert_pem, {cert});
    write_cert(out.chain_pem, {cert, ca_cert_});
    write_key(out.key_pem, key);
    X509_free(cert);
    EVP_PKEY_free(key);
    return out;
}

}  // namespace ksstp::test
