/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * td-mkcert: test CAs and certificates, made at test time (checked-in certificates expire).
 *
 *   td-mkcert ca   --subject DN [--key TYPE|--key-file FILE] [--ca PARENT] [options] --out PREFIX
 *   td-mkcert leaf --ca PREFIX --subject DN [--key TYPE|--key-file FILE] [options] --out PREFIX
 *
 * writes PREFIX.pem (the certificate) and PREFIX.key (its PKCS#8 private key, mode 0600).
 * `ca` makes a self-signed root, or an intermediate when --ca names a parent.
 *
 * Options: --san IP:127.0.0.1,DNS:localhost,email:a@b   --not-before/--not-after
 * 2026-01-01T00:00:00Z | 2026-01-01 | -10d | +3d | +2h | -30m | +90s   --key-usage
 * digitalSignature,nonRepudiation,...   --ext-key-usage serverAuth,clientAuth,... | none
 * --serial HEX. Key types: rsa2048 rsa3072 rsa4096 ec256 ec384 sm2 (default ec256).
 * Subject values are UTF-8 ("C=CN,O=华润守正招标有限公司,CN=张三"; "\," escapes a comma)
 * and are encoded as UTF8String (C stays PrintableString, as X.520 requires).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* GM/T 0009: the SM2 signer ID everyone uses when none is agreed. */
#define SM2_DEFAULT_ID "1234567812345678"

typedef struct {
        bool is_ca;
        const char *subject;
        const char *key_type;
        const char *key_file;
        const char *ca_prefix;
        const char *out;
        const char *san;
        const char *not_before;
        const char *not_after;
        const char *key_usage;
        const char *ext_key_usage;
        const char *serial;
} Options;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...) {
        va_list ap;
        fputs("td-mkcert: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        unsigned long e;
        while ((e = ERR_get_error()) != 0) {
                char buf[256];
                ERR_error_string_n(e, buf, sizeof buf);
                fprintf(stderr, "  %s\n", buf);
        }
        exit(EXIT_FAILURE);
}

static void usage(FILE *f) {
        fputs("usage: td-mkcert ca --subject DN [--key TYPE|--key-file FILE] [--ca PARENT] --out PREFIX\n"
              "       td-mkcert leaf --ca PREFIX --subject DN [--key TYPE|--key-file FILE] --out PREFIX\n"
              "options: --san LIST --not-before T --not-after T --key-usage LIST\n"
              "         --ext-key-usage LIST|none --serial HEX\n"
              "key types: rsa2048 rsa3072 rsa4096 ec256 ec384 sm2\n"
              "times: 2026-01-01T00:00:00Z, 2026-01-01, or relative to now: -10d +3d +2h -30m +90s\n",
              f);
}

static EVP_PKEY *generate_key(const char *type) {
        EVP_PKEY *k = NULL;
        if (strcmp(type, "rsa2048") == 0)
                k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 2048);
        else if (strcmp(type, "rsa3072") == 0)
                k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 3072);
        else if (strcmp(type, "rsa4096") == 0)
                k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 4096);
        else if (strcmp(type, "ec256") == 0)
                k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        else if (strcmp(type, "ec384") == 0)
                k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
        else if (strcmp(type, "sm2") == 0)
                k = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
        else
                die("unknown key type '%s' (rsa2048 rsa3072 rsa4096 ec256 ec384 sm2)", type);
        if (!k)
                die("cannot generate a %s key", type);
        return k;
}

static EVP_PKEY *read_key(const char *path) {
        FILE *f = fopen(path, "re");
        if (!f)
                die("cannot open %s: %s", path, strerror(errno));
        EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        fclose(f);
        if (!k)
                die("%s holds no PEM private key", path);
        return k;
}

static X509 *read_cert(const char *path) {
        FILE *f = fopen(path, "re");
        if (!f)
                die("cannot open %s: %s", path, strerror(errno));
        X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
        fclose(f);
        if (!x)
                die("%s holds no PEM certificate", path);
        return x;
}

static char *path_with(const char *prefix, const char *suffix) {
        size_t n = strlen(prefix) + strlen(suffix) + 1;
        char *p = malloc(n);
        if (!p)
                die("out of memory");
        snprintf(p, n, "%s%s", prefix, suffix);
        return p;
}

/* "C=CN, O=a\,b, CN=x" → name entries; keys are OpenSSL short or long names or OIDs. */
static X509_NAME *parse_subject(const char *dn) {
        X509_NAME *name = X509_NAME_new();
        char *buf = malloc(strlen(dn) + 1);
        if (!name || !buf)
                die("out of memory");
        const char *p = dn;
        while (*p) {
                while (*p == ' ' || *p == ',')
                        p++;
                if (!*p)
                        break;
                size_t n = 0;
                while (*p && *p != ',') {
                        if (*p == '\\' && p[1])
                                p++;
                        buf[n++] = *p++;
                }
                while (n > 0 && buf[n - 1] == ' ')
                        n--;
                buf[n] = '\0';
                char *eq = strchr(buf, '=');
                if (!eq || eq == buf || !eq[1])
                        die("bad subject component '%s' (want KEY=VALUE)", buf);
                *eq = '\0';
                char *key = buf, *value = eq + 1;
                size_t klen = strlen(key);
                while (klen > 0 && key[klen - 1] == ' ')
                        key[--klen] = '\0';
                while (*value == ' ')
                        value++;
                if (!X509_NAME_add_entry_by_txt(name, key, MBSTRING_UTF8, (const unsigned char *) value, -1,
                                                -1, 0))
                        die("cannot add subject attribute %s=%s", key, value);
        }
        free(buf);
        if (X509_NAME_entry_count(name) == 0)
                die("empty subject");
        return name;
}

/* Absolute (UTC) or relative to now; see usage(). */
static time_t parse_time(const char *s, time_t now) {
        if (s[0] == '+' || s[0] == '-') {
                char *end;
                errno = 0;
                long long v = strtoll(s + 1, &end, 10);
                if (errno || end == s + 1 || end[0] == '\0' || end[1] != '\0' || v < 0 ||
                    v > 100LL * 366 * 86400)
                        die("bad relative time '%s'", s);
                long long unit = end[0] == 'd'   ? 86400
                                 : end[0] == 'h' ? 3600
                                 : end[0] == 'm' ? 60
                                 : end[0] == 's' ? 1
                                                 : 0;
                if (!unit || v > 100LL * 366 * 86400 / unit)
                        die("bad relative time '%s' (units: d h m s)", s);
                return s[0] == '+' ? now + (time_t) (v * unit) : now - (time_t) (v * unit);
        }
        struct tm tm = { 0 };
        const char *end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
        if (!end || *end) {
                memset(&tm, 0, sizeof tm);
                end = strptime(s, "%Y-%m-%d", &tm);
        }
        if (!end || *end)
                die("bad time '%s' (want 2026-01-01T00:00:00Z, 2026-01-01 or -10d/+3d)", s);
        return timegm(&tm);
}

static void add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value) {
        X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
        if (!ext)
                die("bad %s extension value '%s'", OBJ_nid2sn(nid), value);
        if (!X509_add_ext(x, ext, -1))
                die("cannot add the %s extension", OBJ_nid2sn(nid));
        X509_EXTENSION_free(ext);
}

static void set_serial(X509 *x, const char *hex) {
        BIGNUM *bn = NULL;
        if (hex) {
                int n = BN_hex2bn(&bn, hex);
                if (n <= 0 || (size_t) n != strlen(hex) || BN_is_zero(bn) || BN_is_negative(bn))
                        die("bad serial '%s' (want positive hex)", hex);
        } else {
                unsigned char raw[16];
                if (RAND_bytes(raw, sizeof raw) != 1)
                        die("no random bytes");
                raw[0] &= 0x7f; /* positive */
                raw[0] |= 0x40; /* and never zero or short */
                bn = BN_bin2bn(raw, sizeof raw, NULL);
        }
        if (!bn || !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)))
                die("cannot set the serial number");
        BN_free(bn);
}

static void sign(X509 *x, EVP_PKEY *issuer_key) {
        bool sm2 = EVP_PKEY_is_a(issuer_key, "SM2");
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        EVP_PKEY_CTX *pctx = NULL;
        if (!md || !EVP_DigestSignInit_ex(md, &pctx, sm2 ? "SM3" : "SHA256", NULL, NULL, issuer_key, NULL))
                die("cannot start signing");
        if (sm2 && EVP_PKEY_CTX_set1_id(pctx, SM2_DEFAULT_ID, strlen(SM2_DEFAULT_ID)) <= 0)
                die("cannot set the SM2 signer id");
        if (X509_sign_ctx(x, md) <= 0)
                die("cannot sign the certificate");
        EVP_MD_CTX_free(md);
}

static void write_file(const char *path, mode_t mode, bool key, X509 *x, EVP_PKEY *k) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (fd < 0)
                die("cannot create %s: %s", path, strerror(errno));
        FILE *f = fdopen(fd, "w");
        if (!f)
                die("cannot open %s: %s", path, strerror(errno));
        int ok = key ? PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) : PEM_write_X509(f, x);
        if (!ok || fclose(f) != 0)
                die("cannot write %s", path);
}

static int make(const Options *o) {
        time_t now = time(NULL);
        EVP_PKEY *key =
                o->key_file ? read_key(o->key_file) : generate_key(o->key_type ? o->key_type : "ec256");

        X509 *issuer = NULL;
        EVP_PKEY *issuer_key = key;
        if (o->ca_prefix) {
                char *cert_path = path_with(o->ca_prefix, ".pem");
                char *key_path = path_with(o->ca_prefix, ".key");
                issuer = read_cert(cert_path);
                issuer_key = read_key(key_path);
                if (X509_check_private_key(issuer, issuer_key) != 1)
                        die("%s does not belong to %s", key_path, cert_path);
                free(cert_path);
                free(key_path);
        }

        X509 *x = X509_new();
        if (!x || !X509_set_version(x, X509_VERSION_3))
                die("out of memory");
        set_serial(x, o->serial);
        X509_NAME *subject = parse_subject(o->subject);
        if (!X509_set_subject_name(x, subject) ||
            !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : subject))
                die("cannot set the names");
        X509_NAME_free(subject);

        time_t nb = parse_time(o->not_before ? o->not_before : "-1d", now);
        time_t na = parse_time(o->not_after ? o->not_after : (o->is_ca ? "+3650d" : "+365d"), now);
        if (!ASN1_TIME_set(X509_getm_notBefore(x), nb) || !ASN1_TIME_set(X509_getm_notAfter(x), na))
                die("cannot set the validity");
        if (!X509_set_pubkey(x, key))
                die("cannot set the public key");

        X509V3_CTX ctx;
        X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
        add_ext(x, &ctx, NID_basic_constraints, o->is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");

        char usage_value[512];
        const char *ku = o->key_usage;
        if (!ku)
                ku = o->is_ca                    ? "keyCertSign,cRLSign"
                     : EVP_PKEY_is_a(key, "RSA") ? "digitalSignature,keyEncipherment"
                                                 : "digitalSignature";
        snprintf(usage_value, sizeof usage_value, "critical,%s", ku);
        add_ext(x, &ctx, NID_key_usage, usage_value);

        const char *eku = o->ext_key_usage ? o->ext_key_usage : o->is_ca ? "none" : "serverAuth,clientAuth";
        if (strcmp(eku, "none") != 0)
                add_ext(x, &ctx, NID_ext_key_usage, eku);
        if (o->san)
                add_ext(x, &ctx, NID_subject_alt_name, o->san);
        add_ext(x, &ctx, NID_subject_key_identifier, "hash");
        add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");

        sign(x, issuer_key);

        char *cert_out = path_with(o->out, ".pem");
        char *key_out = path_with(o->out, ".key");
        write_file(key_out, 0600, true, NULL, key);
        write_file(cert_out, 0644, false, x, NULL);
        free(cert_out);
        free(key_out);

        X509_free(x);
        X509_free(issuer);
        if (issuer_key != key)
                EVP_PKEY_free(issuer_key);
        EVP_PKEY_free(key);
        return EXIT_SUCCESS;
}

int main(int argc, char **argv) {
        static const struct option longopts[] = {
                { "subject", required_argument, NULL, 's' },
                { "key", required_argument, NULL, 'k' },
                { "key-file", required_argument, NULL, 'K' },
                { "ca", required_argument, NULL, 'c' },
                { "out", required_argument, NULL, 'o' },
                { "san", required_argument, NULL, 'S' },
                { "not-before", required_argument, NULL, 'b' },
                { "not-after", required_argument, NULL, 'a' },
                { "key-usage", required_argument, NULL, 'u' },
                { "ext-key-usage", required_argument, NULL, 'e' },
                { "serial", required_argument, NULL, 'n' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        Options o = { 0 };

        if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                usage(argc < 2 ? stderr : stdout);
                return argc < 2 ? 64 : 0;
        }
        if (strcmp(argv[1], "ca") == 0)
                o.is_ca = true;
        else if (strcmp(argv[1], "leaf") != 0) {
                fprintf(stderr, "td-mkcert: unknown command '%s'\n", argv[1]);
                usage(stderr);
                return 64;
        }

        int c;
        optind = 2;
        while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
                switch (c) {
                case 's':
                        o.subject = optarg;
                        break;
                case 'k':
                        o.key_type = optarg;
                        break;
                case 'K':
                        o.key_file = optarg;
                        break;
                case 'c':
                        o.ca_prefix = optarg;
                        break;
                case 'o':
                        o.out = optarg;
                        break;
                case 'S':
                        o.san = optarg;
                        break;
                case 'b':
                        o.not_before = optarg;
                        break;
                case 'a':
                        o.not_after = optarg;
                        break;
                case 'u':
                        o.key_usage = optarg;
                        break;
                case 'e':
                        o.ext_key_usage = optarg;
                        break;
                case 'n':
                        o.serial = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 64;
                }
        }
        if (optind != argc || !o.subject || !o.out || (!o.is_ca && !o.ca_prefix) ||
            (o.key_type && o.key_file)) {
                usage(stderr);
                return 64;
        }
        /* Every DirectoryString as UTF8String (RFC 5280), whatever the library default. */
        if (!ASN1_STRING_set_default_mask_asc("utf8only"))
                die("cannot select UTF8String");
        return make(&o);
}
