// Test certificates; see test_pki.h.
#include "tests/fakes/test_pki.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace ksstp::test {
namespace {

// OpenSSL 3 will not generate RSA keys under 512 bits, but the key floor test needs one (SPEC 4:
// < 472 bits refused): build it from two generated primes.
EVP_PKEY* tiny_rsa_key(int bits) {
    BN_CTX* bc = BN_CTX_new();
    BIGNUM *p = BN_new(), *q = BN_new(), *n = BN_new(), *d = BN_new(), *e = BN_new(), *phi = BN_new();
    BIGNUM *p1 = BN_new(), *q1 = BN_new(), *dp = BN_new(), *dq = BN_new(), *qinv = BN_new();
    BN_set_word(e, 65537);
    EVP_PKEY* key = nullptr;
    for (;;) {
        BN_generate_prime_ex(p, bits / 2, 0, nullptr, nullptr, nullptr);
        BN_generate_prime_ex(q, bits - bits / 2, 0, nullptr, nullptr, nullptr);
        BN_mul(n, p, q, bc);
        BN_sub(p1, p, BN_value_one());
        BN_sub(q1, q, BN_value_one());
        BN_mul(phi, p1, q1, bc);
        if (BN_num_bits(n) == bits && BN_mod_inverse(d, e, phi, bc)) break;
    }
    BN_mod(dp, d, p1, bc);
    BN_mod(dq, d, q1, bc);
    BN_mod_inverse(qinv, q, p, bc);
    OSSL_PARAM_BLD* b = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, n);
    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, e);
    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_D, d);
    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_FACTOR1, p);
    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_FACTOR2, q);
    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp);
    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq);
    OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qinv);
    OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(b);
    EVP_PKEY_CTX* pc = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
    if (EVP_PKEY_fromdata_init(pc) != 1 || EVP_PKEY_fromdata(pc, &key, EVP_PKEY_KEYPAIR, params) != 1) key = nullptr;
    EVP_PKEY_CTX_free(pc);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(b);
    for (BIGNUM* x : {p, q, n, d, e, phi, p1, q1, dp, dq, qinv}) BN_clear_free(x);
    BN_CTX_free(bc);
    return key;
}

EVP_PKEY* new_key(bool ec, int rsa_bits) {
    EVP_PKEY* k = ec ? EVP_EC_gen("P-256") : rsa_bits < 512 ? tiny_rsa_key(rsa_bits) : EVP_RSA_gen(unsigned(rsa_bits));
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

TestPki::TestPki() : tmp_("ksstp-pki"), dir_(tmp_.path()) {
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
