/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Profiles: the shipped file, defaults, value parsing, every kind of bad file, lookup by name. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "td-util.h"
#include "tokendoctor/td-profile.h"

static char tmpdir[] = "/tmp/test-profile-XXXXXX";

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static int setup(void **state) {
        return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state) {
        return nftw(tmpdir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write @len bytes (strlen(@content) when 0) to @name in the temp dir; returns the new path. */
static char *write_file_len(const char *name, const char *content, size_t len) {
        char *path = td_strdup_printf("%s/%s", tmpdir, name);
        assert_non_null(path);
        /* Make the parent directories of names like "sub/dir/x.ini". */
        for (char *slash = strchr(path + strlen(tmpdir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
                *slash = '\0';
                if (mkdir(path, 0755) < 0)
                        assert_int_equal(errno, EEXIST);
                *slash = '/';
        }
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        if (len == 0)
                len = strlen(content);
        assert_int_equal(fwrite(content, 1, len, f), len);
        assert_int_equal(fclose(f), 0);
        return path;
}

static char *write_file(const char *name, const char *content) {
        return write_file_len(name, content, 0);
}

static const TdTokenModel *find_token(const TdProfile *p, const char *name) {
        for (size_t i = 0; i < p->n_tokens; i++)
                if (streq(p->tokens[i].name, name))
                        return &p->tokens[i];
        return NULL;
}

static void assert_strv_equal(TdStrv v, const char *const *expected) {
        assert_non_null(v);
        size_t n = td_strv_length(expected);
        if (td_strv_length((const char *const *) v) != n) {
                _cleanup_free_ char *got = td_strv_join((const char *const *) v, "|");
                fail_msg("expected %zu items, got \"%s\"", n, got);
        }
        for (size_t i = 0; i < n; i++)
                assert_string_equal(v[i], expected[i]);
}
#define STRV(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define STRV_EMPTY ((const char *const[]){ NULL })

static void test_shipped_profile(void **state) {
        const char *srcdir = getenv("TD_SRCDIR");
        if (isempty(srcdir))
                fail_msg("TD_SRCDIR is not set; run this test through meson");
        _cleanup_free_ char *path = td_strdup_printf("%s/data/profiles/shouzheng.ini", srcdir);
        _cleanup_profile_free_ TdProfile *p = NULL;
        _cleanup_free_ char *error = NULL;

        int r = td_profile_load_file(path, &p, &error);
        if (r < 0)
                fail_msg("%s: %d %s", path, r, error);
        assert_null(error);

        assert_string_equal(p->id, "shouzheng");
        assert_string_equal(p->path, path);
        assert_string_equal(p->platform_name, "华润集团守正电子招标采购平台");
        assert_strv_equal(p->urls, STRV("https://szecp.crc.com.cn/"));
        assert_null(p->platform_tls_ca);
        /* Exactly as the platform's renewal page shows it. */
        assert_string_equal(p->ca_issuer,
                            "C=CN, O=华润守正招标有限公司, OU=电子商务部, CN=华润守正招标有限公司CA");
        assert_null(p->ca_cert);
        assert_int_equal(p->ca_expiry_warn_days, 30);

        assert_int_equal(p->n_browsers_supported, 2);
        assert_string_equal(p->browsers_supported[0].desktop_stem, "google-chrome");
        assert_int_equal(p->browsers_supported[0].min_major, 90);
        assert_string_equal(p->browsers_supported[1].desktop_stem, "chromium");
        assert_strv_equal(p->browsers_unsupported,
                          STRV("360browser", "qqbrowser", "sogouexplorer", "liebao", "2345explorer"));

        /* No Linux driver package of the platform is known. */
        assert_strv_equal(p->driver_packages, STRV_EMPTY);
        assert_null(p->driver_min_version);

        assert_true(p->n_tokens >= 2);
        assert_string_equal(p->tokens[0].name, "");
        assert_string_equal(p->tokens[0].module, "opensc-pkcs11.so");
        const TdTokenModel *t = find_token(p, "feitian-epass2003");
        assert_non_null(t);
        assert_strv_equal(t->usb_ids, STRV("096e:0807", "096e:080a"));
        assert_null(t->module);
        t = find_token(p, "feitian-epass3000gm");
        assert_non_null(t);
        assert_strv_equal(t->usb_ids, STRV("096e:0309"));
        t = find_token(p, "watchdata");
        assert_non_null(t);
        assert_true(td_strv_contains((const char *const *) t->usb_ids, "163c:0407"));
        assert_true(td_strv_contains((const char *const *) t->usb_ids, "163c:0417"));
        assert_true(td_strv_contains((const char *const *) t->usb_ids, "163c:0418"));
        t = find_token(p, "tianyu");
        assert_non_null(t);
        assert_strv_equal(t->usb_ids, STRV("a625:0801"));
        t = find_token(p, "longmai-gm3000");
        assert_non_null(t);
        assert_strv_equal(t->usb_ids, STRV("055c:*"));
        for (size_t i = 0; i < p->n_tokens; i++)
                for (char **id = p->tokens[i].usb_ids; *id; id++)
                        assert_true(strlen(*id) == 9 || (strlen(*id) == 6 && streq(*id + 4, ":*")));

        /* Left out: not known for the real platform. */
        assert_null(p->helper_url);
        assert_null(p->seal_maker_cert);
        assert_null(p->support_upload_url);
        assert_int_equal(p->seal_expiry_warn_days, 30);
        assert_non_null(p->support_contact);

        assert_int_equal(p->n_os_supported, 5);
        assert_string_equal(p->os_supported[0].id, "debian");
        assert_string_equal(p->os_supported[0].min_version, "10");
        assert_string_equal(p->os_supported[3].id, "kylin");
        assert_string_equal(p->os_supported[3].min_version, "V10");
        assert_strv_equal(p->arch_supported, STRV("x86_64", "aarch64", "loongarch64", "mips64el"));
        assert_strv_equal(p->locales, STRV("zh_CN"));
        assert_int_equal(p->max_clock_skew_s, 300);
}

/* The built-in defaults, as a profile that gives only its address gets them. */
static void assert_defaults(const TdProfile *p) {
        assert_string_equal(p->platform_name, "华润集团守正电子招标采购平台");
        assert_string_equal(p->ca_issuer,
                            "C=CN, O=华润守正招标有限公司, OU=电子商务部, CN=华润守正招标有限公司CA");
        assert_null(p->ca_cert);
        assert_int_equal(p->ca_expiry_warn_days, 30);
        assert_int_equal(p->n_browsers_supported, 2);
        assert_string_equal(p->browsers_supported[0].desktop_stem, "google-chrome");
        assert_int_equal(p->browsers_supported[0].min_major, 90);
        assert_string_equal(p->browsers_supported[1].desktop_stem, "chromium");
        assert_int_equal(p->browsers_supported[1].min_major, 90);
        assert_strv_equal(p->browsers_unsupported,
                          STRV("360browser", "qqbrowser", "sogouexplorer", "liebao", "2345explorer"));
        assert_strv_equal(p->driver_packages, STRV_EMPTY);
        assert_int_equal(p->n_tokens, 0);
        assert_null(p->helper_url);
        assert_null(p->seal_pkcs11_label);
        assert_null(p->seal_files);
        assert_int_equal(p->seal_expiry_warn_days, 30);
        assert_null(p->support_upload_url);
        assert_null(p->support_contact);
        assert_int_equal(p->n_os_supported, 5);
        const char *os[][2] = {
                { "debian", "10" }, { "ubuntu", "20.04" }, { "uos", "20" },
                { "kylin", "V10" }, { "deepin", "20" },
        };
        for (size_t i = 0; i < ELEMENTSOF(os); i++) {
                assert_string_equal(p->os_supported[i].id, os[i][0]);
                assert_string_equal(p->os_supported[i].min_version, os[i][1]);
        }
        assert_strv_equal(p->arch_supported, STRV("x86_64", "aarch64", "loongarch64", "mips64el"));
        assert_strv_equal(p->locales, STRV("zh_CN"));
        assert_int_equal(p->max_clock_skew_s, 300);
}

static void test_defaults(void **state) {
        _cleanup_profile_free_ TdProfile *d = NULL;
        assert_int_equal(td_profile_new_default(&d), 0);
        assert_defaults(d);
        /* No address is made up. */
        assert_strv_equal(d->urls, STRV_EMPTY);

        _cleanup_free_ char *path = write_file("minimal.ini", "[platform]\nurl = https://example.test/\n");
        _cleanup_profile_free_ TdProfile *p = NULL;
        _cleanup_free_ char *error = NULL;
        assert_int_equal(td_profile_load_file(path, &p, &error), 0);
        assert_null(error);
        assert_defaults(p);
        assert_string_equal(p->id, "minimal");
        assert_string_equal(p->path, path);
        assert_strv_equal(p->urls, STRV("https://example.test/"));
}

static void test_values(void **state) {
        _cleanup_free_ char *path = write_file(
                "values.ini", "; a comment\n"
                              "# another\n"
                              "[Platform]\n"
                              "Name = 测试平台 ; the comment is not part of the value\n"
                              "url = HTTPS://Example.test:8443/login?x=1\n"
                              "urls = http://a.test/, https://[::1]:8080/ ,, https://user@b.test\n"
                              "\r\n"
                              "[ca]\r\n"
                              "issuer = \"CN=a; b, O=c\"\r\n"
                              "expiry_warn_days = 0\r\n"
                              "[browsers]\n"
                              "supported = firefox:100, chromium, org.mozilla.firefox:0\n"
                              "unsupported =\n"
                              "[drivers]\n"
                              "packages = vendor-driver*, other\n"
                              "min_version = 1:2.0~rc1-3\n"
                              "[system]\n"
                              "os = Debian:12, uos\n"
                              "arch = x86_64\n"
                              "locales = zh_CN, zh_SG\n"
                              "max_clock_skew = 86400\n"
                              "[seal]\n"
                              "pkcs11_label = 电子印章*\n"
                              "pkcs11_application = SESeal*\n"
                              "expiry_warn_days = 3650\n"
                              "[support]\n"
                              "contact = 400-000-0000\\\n"
                              " (weekdays)\n"
                              "upload_url = https://support.test/upload\n"
                              "[helper]\n"
                              "url = https://127.0.0.1:51245/\n");
        _cleanup_profile_free_ TdProfile *p = NULL;
        _cleanup_free_ char *error = NULL;
        int r = td_profile_load_file(path, &p, &error);
        if (r < 0)
                fail_msg("%d %s", r, error);

        assert_string_equal(p->platform_name, "测试平台");
        assert_strv_equal(p->urls, STRV("HTTPS://Example.test:8443/login?x=1", "http://a.test/",
                                        "https://[::1]:8080/", "https://user@b.test"));
        assert_string_equal(p->ca_issuer, "CN=a; b, O=c");
        assert_int_equal(p->ca_expiry_warn_days, 0);
        assert_int_equal(p->n_browsers_supported, 3);
        assert_string_equal(p->browsers_supported[0].desktop_stem, "firefox");
        assert_int_equal(p->browsers_supported[0].min_major, 100);
        assert_string_equal(p->browsers_supported[1].desktop_stem, "chromium");
        assert_int_equal(p->browsers_supported[1].min_major, 0);
        assert_string_equal(p->browsers_supported[2].desktop_stem, "org.mozilla.firefox");
        /* An empty list where "none" makes sense overrides the default. */
        assert_strv_equal(p->browsers_unsupported, STRV_EMPTY);
        assert_strv_equal(p->driver_packages, STRV("vendor-driver*", "other"));
        assert_string_equal(p->driver_min_version, "1:2.0~rc1-3");
        assert_int_equal(p->n_os_supported, 2);
        assert_string_equal(p->os_supported[0].id, "debian");
        assert_string_equal(p->os_supported[0].min_version, "12");
        assert_string_equal(p->os_supported[1].id, "uos");
        assert_null(p->os_supported[1].min_version);
        assert_strv_equal(p->arch_supported, STRV("x86_64"));
        assert_strv_equal(p->locales, STRV("zh_CN", "zh_SG"));
        assert_int_equal(p->max_clock_skew_s, 86400);
        assert_string_equal(p->seal_pkcs11_label, "电子印章*");
        assert_string_equal(p->seal_pkcs11_application, "SESeal*");
        assert_int_equal(p->seal_expiry_warn_days, 3650);
        assert_string_equal(p->support_contact, "400-000-0000 (weekdays)");
        assert_string_equal(p->support_upload_url, "https://support.test/upload");
        assert_string_equal(p->helper_url, "https://127.0.0.1:51245/");
        assert_null(p->helper_tls_ca);
}

/* Only an address that cannot be another machine is loopback; shorthands are refused, not read. */
static void test_url_loopback(void **state) {
        static const struct {
                const char *url;
                bool loopback;
        } cases[] = {
                { "https://127.0.0.1:51245/", true },
                { "http://127.0.0.1", true },
                { "https://127.255.1.2:443/x?y#z", true },
                { "https://localhost:51245/", true },
                { "HTTPS://LOCALHOST/", true },
                { "https://[::1]:51245/", true },
                { "https://[0:0:0:0:0:0:0:1]/", true },
                { "https://user:pw@127.0.0.1/", true },
                { "https://128.0.0.1/", false },
                { "https://126.255.255.255/", false },
                { "https://192.0.2.1:51245/", false },
                { "https://0.0.0.0/", false },
                { "https://127.1/", false },      /* shorthand a resolver may read otherwise */
                { "https://0x7f.0.0.1/", false }, /* hex form */
                { "https://2130706433/", false }, /* one number */
                { "https://127.0.0.1.example/", false },
                { "https://localhost.example/", false },
                { "https://localhost./", false },
                { "https://[::2]/", false },
                { "https://[::ffff:192.0.2.1]/", false },
                { "https://[::1%25lo]/", false },
                { "https://127.0.0.1@192.0.2.1/", false },
                { "https://helper.example/127.0.0.1", false },
                { "ftp://127.0.0.1/", false },
                { "127.0.0.1:51245", false },
                { "https://", false },
                { "", false },
                { NULL, false },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                if (td_profile_url_is_loopback(cases[i].url) != cases[i].loopback)
                        fail_msg("%s: want %s", cases[i].url ? cases[i].url : "NULL",
                                 cases[i].loopback ? "loopback" : "not loopback");
}

static void test_helper(void **state) {
        _cleanup_free_ char *path = write_file("sub/helper.ini", "[platform]\n"
                                                                 "url = https://a.test/\n"
                                                                 "[helper]\n"
                                                                 "url = https://[::1]:51245/\n"
                                                                 "tls_ca = ca/helper.pem\n");
        _cleanup_profile_free_ TdProfile *p = NULL;
        _cleanup_free_ char *error = NULL;
        int r = td_profile_load_file(path, &p, &error);
        if (r < 0)
                fail_msg("%d %s", r, error);
        assert_string_equal(p->helper_url, "https://[::1]:51245/");
        /* Relative to the profile, as every file it names. */
        _cleanup_free_ char *ca = td_strdup_printf("%s/sub/ca/helper.pem", tmpdir);
        assert_string_equal(p->helper_tls_ca, ca);
}

/* Versions as vendors write them load; the bad ones are among bad_cases. */
static void test_driver_versions(void **state) {
        static const char *const good[] = { "1.0", "2:1.0",   "1.0-1ubuntu2~22.04", "0.9+git20200101-3",
                                            "10",  "1.0~rc1", "1:2.0-1-2" };
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                _cleanup_free_ char *text =
                        td_strdup_printf("[platform]\nurl = https://a/\n[drivers]\npackages = "
                                         "Vendor-Driver*, sz?drv, x[0-9]\n"
                                         "min_version = %s\n",
                                         good[i]);
                _cleanup_free_ char *path = write_file("driver-version.ini", text);
                _cleanup_free_ char *error = NULL;
                TdProfile *p = NULL;
                if (td_profile_load_file(path, &p, &error) != 0)
                        fail_msg("%s: %s", good[i], error ? error : "no message");
                assert_string_equal(p->driver_min_version, good[i]);
                assert_strv_equal(p->driver_packages, STRV("Vendor-Driver*", "sz?drv", "x[0-9]"));
                td_profile_free(p);
        }
}

static void test_relative_paths(void **state) {
        _cleanup_free_ char *path = write_file("sub/dir/paths.ini", "[platform]\n"
                                                                    "url = https://a.test/\n"
                                                                    "tls_ca = ca/platform.pem\n"
                                                                    "[ca]\n"
                                                                    "cert = /etc/ssl/root.pem\n"
                                                                    "[seal]\n"
                                                                    "files = ~/.config/vendor/seal/*.esl\n"
                                                                    "maker_cert = ../maker.pem\n"
                                                                    "[support]\n"
                                                                    "tls_ca = ~/support.pem\n");
        _cleanup_profile_free_ TdProfile *p = NULL;
        _cleanup_free_ char *error = NULL;
        int r = td_profile_load_file(path, &p, &error);
        if (r < 0)
                fail_msg("%d %s", r, error);

        _cleanup_free_ char *platform_ca = td_strdup_printf("%s/sub/dir/ca/platform.pem", tmpdir);
        _cleanup_free_ char *maker = td_strdup_printf("%s/sub/dir/../maker.pem", tmpdir);
        assert_string_equal(p->platform_tls_ca, platform_ca);
        assert_string_equal(p->ca_cert, "/etc/ssl/root.pem");
        assert_string_equal(p->seal_files, "~/.config/vendor/seal/*.esl");
        assert_string_equal(p->seal_maker_cert, maker);
        assert_string_equal(p->support_tls_ca, "~/support.pem");

        /* A profile named by a relative path gets an absolute path, and so do its files. */
        _cleanup_free_ char *cwd = getcwd(NULL, 0);
        assert_non_null(cwd);
        assert_int_equal(chdir(tmpdir), 0);
        _cleanup_profile_free_ TdProfile *rel = NULL;
        r = td_profile_load_file("sub/dir/paths.ini", &rel, NULL);
        assert_int_equal(chdir(cwd), 0);
        assert_int_equal(r, 0);
        assert_string_equal(rel->path, path);
        assert_string_equal(rel->platform_tls_ca, platform_ca);
}

static void test_token_models(void **state) {
        _cleanup_free_ char *path =
                write_file("tokens.ini", "[platform]\n"
                                         "url = https://a.test/\n"
                                         "[token]\n"
                                         "module = /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so\n"
                                         "usb_ids = 096E:0807, 1234:ABCD\n"
                                         "atr = 3b:88:80:01:*\n"
                                         "[token.Vendor-A]\n"
                                         "usb_ids = 163c:0407, 055C:*\n"
                                         "atr = 3b 8f 80 01 ?? *, 3B0102, *:90:00\n"
                                         "[token.b]\n"
                                         "module = libvendor_pkcs11.so\n"
                                         "usb_ids =\n");
        _cleanup_profile_free_ TdProfile *p = NULL;
        _cleanup_free_ char *error = NULL;
        int r = td_profile_load_file(path, &p, &error);
        if (r < 0)
                fail_msg("%d %s", r, error);

        assert_int_equal(p->n_tokens, 3);
        assert_string_equal(p->tokens[0].name, "");
        assert_string_equal(p->tokens[0].module, "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so");
        assert_strv_equal(p->tokens[0].usb_ids, STRV("096e:0807", "1234:abcd"));
        assert_strv_equal(p->tokens[0].atr, STRV("3B:88:80:01:*"));

        /* Names are lower-cased like every INI name; nothing comes over from [token]. */
        assert_string_equal(p->tokens[1].name, "vendor-a");
        assert_null(p->tokens[1].module);
        assert_strv_equal(p->tokens[1].usb_ids, STRV("163c:0407", "055c:*"));
        assert_strv_equal(p->tokens[1].atr, STRV("3B:8F:80:01:??:*", "3B:01:02", "*:90:00"));

        assert_string_equal(p->tokens[2].name, "b");
        assert_string_equal(p->tokens[2].module, "libvendor_pkcs11.so");
        assert_strv_equal(p->tokens[2].usb_ids, STRV_EMPTY);
        assert_strv_equal(p->tokens[2].atr, STRV_EMPTY);
}

typedef struct {
        const char *what;
        const char *content;
        size_t len; /* 0: strlen(content) */
        int ret;
        /* Text the message must contain besides the file name ("line N", "[section] key"...). */
        const char *const *expect;
} BadCase;

/* A literal with NUL bytes inside, and its length. */
#define WITH_LEN(s) s, sizeof(s) - 1

static const BadCase bad_cases[] = {
        { "empty file", "", 0, -EINVAL, STRV("no [platform] section") },
        { "only comments", "# nothing\n; here\n", 0, -EINVAL, STRV("no [platform] section") },
        { "no [platform]", "[ca]\nissuer = CN=x\n", 0, -EINVAL, STRV("no [platform] section") },
        { "missing url", "# x\n[platform]\nname = x\n", 0, -EINVAL,
          STRV("line 2: ", "[platform] url: ", "missing") },
        { "empty url", "[platform]\nurl =\n", 0, -EINVAL, STRV("line 2: ", "[platform] url: ", "empty") },
        { "ftp url", "[platform]\nname = x\nurl = ftp://a\n", 0, -EINVAL,
          STRV("line 3: ", "[platform] url: ", "\"ftp://a\" is not an http:// or https:// URL") },
        { "url without scheme", "[platform]\nurl = www.a.test\n", 0, -EINVAL,
          STRV("line 2: ", "[platform] url: ", "www.a.test") },
        { "url without host", "[platform]\nurl = https:///x\n", 0, -EINVAL,
          STRV("line 2: ", "[platform] url: ", "no host") },
        { "url with a space", "[platform]\nurl = https://a b/\n", 0, -EINVAL,
          STRV("line 2: ", "[platform] url: ", "space") },
        { "bad further url", "[platform]\nurl = https://a/\nurls = https://b/, gopher://c\n", 0, -EINVAL,
          STRV("line 3: ", "[platform] urls: ", "gopher://c") },
        { "bad helper url", "[platform]\nurl = https://a/\n[helper]\nurl = localhost:51245\n", 0, -EINVAL,
          STRV("line 4: ", "[helper] url: ", "localhost:51245") },
        /* platform.helper must never talk to another machine: the profile cannot name one. */
        { "helper on another host",
          "[platform]\nurl = https://a/\n[helper]\nurl = https://192.0.2.1:51245/\n", 0, -EINVAL,
          STRV("line 4: ", "[helper] url: ", "\"https://192.0.2.1:51245/\"", "not on this computer") },
        { "helper on a host name", "[platform]\nurl = https://a/\n[helper]\nurl = https://helper.example/\n",
          0, -EINVAL, STRV("line 4: ", "[helper] url: ", "not on this computer") },
        { "helper localhost subdomain",
          "[platform]\nurl = https://a/\n[helper]\nurl = https://localhost.example/\n", 0, -EINVAL,
          STRV("line 4: ", "[helper] url: ", "not on this computer") },
        { "helper user info hides host",
          "[platform]\nurl = https://a/\n[helper]\nurl = https://127.0.0.1@192.0.2.1/\n", 0, -EINVAL,
          STRV("line 4: ", "[helper] url: ", "not on this computer") },
        { "helper empty tls_ca",
          "[platform]\nurl = https://a/\n[helper]\nurl = https://127.0.0.1/\ntls_ca =\n", 0, -EINVAL,
          STRV("line 5: ", "[helper] tls_ca: ", "empty") },
        { "number as text", "[platform]\nurl = https://a/\n[ca]\nexpiry_warn_days = thirty\n", 0, -EINVAL,
          STRV("line 4: ", "[ca] expiry_warn_days: ", "\"thirty\"", "whole number") },
        { "negative number", "[platform]\nurl = https://a/\n[ca]\nexpiry_warn_days = -1\n", 0, -EINVAL,
          STRV("line 4: ", "[ca] expiry_warn_days: ", "\"-1\"") },
        { "number with unit", "[platform]\nurl = https://a/\n[seal]\nexpiry_warn_days = 30d\n", 0, -EINVAL,
          STRV("line 4: ", "[seal] expiry_warn_days: ", "\"30d\"") },
        { "number too big", "[platform]\nurl = https://a/\n[ca]\nexpiry_warn_days = 3651\n", 0, -EINVAL,
          STRV("line 4: ", "[ca] expiry_warn_days: ", "from 0 to 3650") },
        { "huge number", "[platform]\nurl = https://a/\n[ca]\nexpiry_warn_days = 99999999999999999999\n", 0,
          -EINVAL, STRV("line 4: ", "[ca] expiry_warn_days: ") },
        { "zero skew", "[platform]\nurl = https://a/\n[system]\nmax_clock_skew = 0\n", 0, -EINVAL,
          STRV("line 4: ", "[system] max_clock_skew: ", "from 1 to 86400") },
        { "skew too big", "[platform]\nurl = https://a/\n[system]\nmax_clock_skew = 86401\n", 0, -EINVAL,
          STRV("line 4: ", "[system] max_clock_skew: ") },
        { "browser version", "[platform]\nurl = https://a/\n[browsers]\nsupported = chromium:1001\n", 0,
          -EINVAL, STRV("line 4: ", "[browsers] supported: ", "chromium:1001") },
        { "browser name", "[platform]\nurl = https://a/\n[browsers]\nsupported = google chrome\n", 0,
          -EINVAL, STRV("line 4: ", "[browsers] supported: ", "google chrome") },
        /* [drivers] min_version must be a version dpkg could give a package. */
        { "driver version empty epoch", "[platform]\nurl = https://a/\n[drivers]\nmin_version = :1.0\n", 0,
          -EINVAL, STRV("line 4: ", "[drivers] min_version: ", "\":1.0\"", "Debian package version") },
        { "driver version epoch not a number",
          "[platform]\nurl = https://a/\n[drivers]\nmin_version = v1:1.0\n", 0, -EINVAL,
          STRV("line 4: ", "[drivers] min_version: ", "\"v1:1.0\"") },
        { "driver version nothing after epoch",
          "[platform]\nurl = https://a/\n[drivers]\nmin_version = 1:\n", 0, -EINVAL,
          STRV("line 4: ", "[drivers] min_version: ", "\"1:\"") },
        { "driver version empty revision", "[platform]\nurl = https://a/\n[drivers]\nmin_version = 1.0-\n",
          0, -EINVAL, STRV("line 4: ", "[drivers] min_version: ", "\"1.0-\"") },
        { "driver version empty upstream", "[platform]\nurl = https://a/\n[drivers]\nmin_version = 2:-1\n",
          0, -EINVAL, STRV("line 4: ", "[drivers] min_version: ", "\"2:-1\"") },
        { "driver version a word", "[platform]\nurl = https://a/\n[drivers]\nmin_version = latest\n", 0,
          -EINVAL, STRV("line 4: ", "[drivers] min_version: ", "\"latest\"") },
        { "driver version with a space", "[platform]\nurl = https://a/\n[drivers]\nmin_version = 1.0 beta\n",
          0, -EINVAL, STRV("line 4: ", "[drivers] min_version: ", "\"1.0 beta\"") },
        { "driver package with a space",
          "[platform]\nurl = https://a/\n[drivers]\npackages = vendor driver\n", 0, -EINVAL,
          STRV("line 4: ", "[drivers] packages: ", "\"vendor driver\"") },
        { "driver package with a slash", "[platform]\nurl = https://a/\n[drivers]\npackages = ../vendor\n",
          0, -EINVAL, STRV("line 4: ", "[drivers] packages: ", "\"../vendor\"") },
        { "unknown section", "[platfrom]\nurl = https://a/\n", 0, -EINVAL,
          STRV("line 1: ", "[platfrom]", "unknown section", "[platform]") },
        { "unknown section later", "[platform]\nurl = https://a/\n\n[token.x]\n[tokens]\n", 0, -EINVAL,
          STRV("line 5: ", "[tokens]", "unknown section") },
        { "unknown key", "[platform]\nurl = https://a/\n[ca]\nexpiry_warn_day = 30\n", 0, -EINVAL,
          STRV("line 4: ", "[ca] expiry_warn_day: ", "unknown key", "expiry_warn_days") },
        { "unknown token key", "[platform]\nurl = https://a/\n[token.x]\nusb_id = 096e:0807\n", 0, -EINVAL,
          STRV("line 4: ", "[token.x] usb_id: ", "unknown key", "usb_ids") },
        { "usb id partial glob", "[platform]\nurl = https://a/\n[token.x]\nusb_ids = 055c:08*\n", 0, -EINVAL,
          STRV("line 4: ", "[token.x] usb_ids: ", "\"055c:08*\"", "vvvv:pppp", "vvvv:*") },
        { "usb id vendor glob", "[platform]\nurl = https://a/\n[token.x]\nusb_ids = *:0807\n", 0, -EINVAL,
          STRV("line 4: ", "[token.x] usb_ids: ", "\"*:0807\"") },
        { "usb id short", "[platform]\nurl = https://a/\n[token]\nusb_ids = 096e:0807, 96e:0807\n", 0,
          -EINVAL, STRV("line 4: ", "[token] usb_ids: ", "\"96e:0807\"") },
        { "usb id not hex", "[platform]\nurl = https://a/\n[token]\nusb_ids = 096g:0807\n", 0, -EINVAL,
          STRV("line 4: ", "[token] usb_ids: ", "\"096g:0807\"") },
        { "usb id no colon", "[platform]\nurl = https://a/\n[token]\nusb_ids = 096e0807\n", 0, -EINVAL,
          STRV("line 4: ", "[token] usb_ids: ") },
        { "bad atr", "[platform]\nurl = https://a/\n[token]\natr = 3B:8\n", 0, -EINVAL,
          STRV("line 4: ", "[token] atr: ", "\"3B:8\"") },
        { "bad atr char", "[platform]\nurl = https://a/\n[token]\natr = 3B:GG\n", 0, -EINVAL,
          STRV("line 4: ", "[token] atr: ") },
        { "bad token name", "[platform]\nurl = https://a/\n[token.a b]\nmodule = x.so\n", 0, -EINVAL,
          STRV("line 3: ", "[token.a b]") },
        { "empty token name", "[platform]\nurl = https://a/\n[token.]\n", 0, -EINVAL,
          STRV("line 3: ", "[token.]") },
        { "empty name", "[platform]\nurl = https://a/\nname =\n", 0, -EINVAL,
          STRV("line 3: ", "[platform] name: ", "empty") },
        { "empty quoted issuer", "[platform]\nurl = https://a/\n[ca]\nissuer = \"\"\n", 0, -EINVAL,
          STRV("line 4: ", "[ca] issuer: ", "empty") },
        { "list of nothing", "[platform]\nurl = https://a/\n[system]\nlocales = , ,\n", 0, -EINVAL,
          STRV("line 4: ", "[system] locales: ") },
        { "bad os", "[platform]\nurl = https://a/\n[system]\nos = debian:, ubuntu\n", 0, -EINVAL,
          STRV("line 4: ", "[system] os: ", "debian:") },
        { "unclosed header", "[platform\nurl = https://a/\n", 0, -EINVAL,
          STRV("line 1: ", "syntax error", "[platform") },
        { "header with comment", "[platform] ; main\nurl = https://a/\n", 0, -EINVAL,
          STRV("line 1: ", "syntax error") },
        { "garbage line", "[platform]\nurl = https://a/\ngarbage line without equals\n", 0, -EINVAL,
          STRV("line 3: ", "syntax error", "garbage line without equals") },
        { "two syntax errors", "[platform]\nurl = https://a/\nfirst junk\nsecond junk\n", 0, -EINVAL,
          STRV("line 3: ", "first junk") },
        { "no key", "[platform]\nurl = https://a/\n\n= value\n", 0, -EINVAL,
          STRV("line 4: ", "syntax error") },
        { "key before section", "url = https://a/\n[platform]\n", 0, -EINVAL,
          STRV("line 1: ", "before the first [section]") },
        { "empty header", "[platform]\nurl = https://a/\n[]\nx = 1\n", 0, -EINVAL,
          STRV("line 3: ", "no name") },
        { "byte order mark", "\xEF\xBB\xBF[platform]\nurl = https://a/\n", 0, -EINVAL,
          STRV("line 1: ", "BOM") },
        /* 华润 in GBK, as Windows editors in China save by default. */
        { "GBK text", "[platform]\nurl = https://a/\nname = \xBB\xAA\xC8\xF3\n", 0, -EINVAL,
          STRV("line 3: ", "UTF-8") },
        { "binary garbage",
          WITH_LEN("\x7f"
                   "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0\x01\0\0\0"),
          -EINVAL, STRV("line 1: ", "NUL") },
        { "NUL inside", WITH_LEN("[platform]\nurl = https://a/\nname = a\0b\n"), -EINVAL,
          STRV("line 3: ", "NUL") },
};

static void test_bad_files(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(bad_cases); i++) {
                const BadCase *c = &bad_cases[i];
                _cleanup_free_ char *name = td_strdup_printf("bad-%zu.ini", i);
                _cleanup_free_ char *path = write_file_len(name, c->content, c->len);
                TdProfile *p = (TdProfile *) 0x1; /* must stay untouched on failure */
                _cleanup_free_ char *error = NULL;

                int r = td_profile_load_file(path, &p, &error);
                if (r != c->ret)
                        fail_msg("%s: expected %d, got %d (%s)", c->what, c->ret, r,
                                 error ? error : "no message");
                assert_ptr_equal(p, (TdProfile *) 0x1);
                if (!error)
                        fail_msg("%s: no message", c->what);
                if (!strstr(error, path))
                        fail_msg("%s: the message does not name the file: %s", c->what, error);
                if (strchr(error, '\n'))
                        fail_msg("%s: the message is not one line: %s", c->what, error);
                for (const char *const *e = c->expect; *e; e++)
                        if (!strstr(error, *e))
                                fail_msg("%s: \"%s\" missing from: %s", c->what, *e, error);

                /* The same without a message wanted. */
                p = (TdProfile *) 0x1;
                assert_int_equal(td_profile_load_file(path, &p, NULL), c->ret);
                assert_ptr_equal(p, (TdProfile *) 0x1);
        }
}

static void test_too_big(void **state) {
        /* A comment line repeated up to the limit: exactly 1 MiB is still read. */
        const size_t limit = 1024 * 1024;
        _cleanup_free_ char *text = malloc(limit + 2);
        assert_non_null(text);
        memset(text, '#', limit + 1);
        for (size_t i = 79; i < limit + 1; i += 80)
                text[i] = '\n';
        text[limit + 1] = '\0';

        _cleanup_free_ char *big = write_file_len("big.ini", text, limit + 1);
        _cleanup_free_ char *error = NULL;
        TdProfile *p = NULL;
        assert_int_equal(td_profile_load_file(big, &p, &error), -EFBIG);
        assert_null(p);
        assert_non_null(strstr(error, big));
        assert_non_null(strstr(error, "1 MiB"));

        _cleanup_free_ char *limit_path = write_file_len("limit.ini", text, limit);
        _cleanup_free_ char *limit_error = NULL;
        /* Read and parsed: it is refused only for having no [platform]. */
        assert_int_equal(td_profile_load_file(limit_path, &p, &limit_error), -EINVAL);
        assert_non_null(strstr(limit_error, "[platform]"));

        /* Small, but more entries than any profile has. */
        _cleanup_free_ char *many = NULL;
        size_t many_len = 0;
        FILE *f = open_memstream(&many, &many_len);
        assert_non_null(f);
        fputs("[platform]\nurl = https://a/\n", f);
        for (int i = 0; i < 5000; i++)
                fprintf(f, "k%d=1\n", i);
        assert_int_equal(fclose(f), 0);
        _cleanup_free_ char *many_path = write_file("many.ini", many);
        _cleanup_free_ char *many_error = NULL;
        assert_int_equal(td_profile_load_file(many_path, &p, &many_error), -EFBIG);
        assert_non_null(strstr(many_error, many_path));
}

static void test_unreadable(void **state) {
        _cleanup_free_ char *error = NULL;
        TdProfile *p = NULL;

        _cleanup_free_ char *absent = td_strdup_printf("%s/absent.ini", tmpdir);
        assert_int_equal(td_profile_load_file(absent, &p, &error), -ENOENT);
        assert_null(p);
        assert_non_null(strstr(error, absent));
        assert_non_null(strstr(error, strerror(ENOENT)));

        /* Root reads any file, so a directory stands in for an unreadable file there. */
        _cleanup_free_ char *dir = td_strdup_printf("%s/dir.ini", tmpdir);
        assert_int_equal(mkdir(dir, 0755), 0);
        _cleanup_free_ char *dir_error = NULL;
        assert_int_equal(td_profile_load_file(dir, &p, &dir_error), -ENOENT);
        assert_non_null(strstr(dir_error, dir));
        assert_non_null(strstr(dir_error, strerror(EISDIR)));

        _cleanup_free_ char *dev_error = NULL;
        assert_int_equal(td_profile_load_file("/dev/null", &p, &dev_error), -ENOENT);
        assert_non_null(strstr(dev_error, "/dev/null"));

        if (geteuid() != 0) {
                _cleanup_free_ char *locked = write_file("locked.ini", "[platform]\nurl = https://a/\n");
                assert_int_equal(chmod(locked, 0), 0);
                _cleanup_free_ char *locked_error = NULL;
                assert_int_equal(td_profile_load_file(locked, &p, &locked_error), -ENOENT);
                assert_non_null(strstr(locked_error, locked));
                assert_non_null(strstr(locked_error, strerror(EACCES)));
        }
        assert_null(p);
}

/* Set or unset an environment variable, remembering the old value for restore_env(). */
typedef struct {
        const char *name;
        char *old;
} SavedEnv;

static void save_env(SavedEnv *s, const char *name, const char *value) {
        const char *old = getenv(name);
        s->name = name;
        s->old = old ? strdup(old) : NULL;
        if (value)
                assert_int_equal(setenv(name, value, 1), 0);
        else
                assert_int_equal(unsetenv(name), 0);
}

static void restore_env(SavedEnv *s) {
        if (s->old)
                setenv(s->name, s->old, 1);
        else
                unsetenv(s->name);
        free(s->old);
}

static void test_lookup(void **state) {
        _cleanup_free_ char *xdg = td_strdup_printf("%s/xdg", tmpdir);
        _cleanup_free_ char *user_dir = td_strdup_printf("%s/xdg/tokendoctor/profiles", tmpdir);
        _cleanup_free_ char *data = td_strdup_printf("%s/data", tmpdir);
        _cleanup_free_ char *data_dir = td_strdup_printf("%s/data/profiles", tmpdir);
        SavedEnv env_xdg, env_data;
        save_env(&env_xdg, "XDG_CONFIG_HOME", xdg);
        save_env(&env_data, "TOKENDOCTOR_DATADIR", data);

        _cleanup_strv_free_ TdStrv dirs = td_profile_search_dirs();
        assert_non_null(dirs);
        assert_string_equal(dirs[0], user_dir);
        assert_string_equal(dirs[1], "/etc/tokendoctor/profiles");
        assert_string_equal(dirs[2], data_dir);

        _cleanup_free_ char *mine =
                write_file("xdg/tokendoctor/profiles/mine.ini", "[platform]\nurl = https://mine.test/\n");
        _cleanup_free_ char *other =
                write_file("data/profiles/other.ini", "[platform]\nurl = https://other.test/\n");
        _cleanup_free_ char *shadowed =
                write_file("data/profiles/mine.ini", "[platform]\nurl = https://shadowed.test/\n");

        _cleanup_profile_free_ TdProfile *p = NULL;
        _cleanup_free_ char *error = NULL;
        assert_int_equal(td_profile_load("mine", &p, &error), 0);
        assert_null(error);
        /* The user's directory comes first. */
        assert_string_equal(p->id, "mine");
        assert_string_equal(p->path, mine);
        assert_string_equal(p->urls[0], "https://mine.test/");

        _cleanup_profile_free_ TdProfile *o = NULL;
        assert_int_equal(td_profile_load("other", &o, NULL), 0);
        assert_string_equal(o->path, other);

        /* A path is a path: no lookup. */
        _cleanup_profile_free_ TdProfile *byp = NULL;
        assert_int_equal(td_profile_load(shadowed, &byp, NULL), 0);
        assert_string_equal(byp->urls[0], "https://shadowed.test/");

        /* A broken profile where we look is reported, not passed over for a later one. */
        _cleanup_free_ char *broken =
                write_file("xdg/tokendoctor/profiles/other.ini", "[platform]\nurl = nope\n");
        _cleanup_free_ char *broken_error = NULL;
        TdProfile *none = NULL;
        assert_int_equal(td_profile_load("other", &none, &broken_error), -EINVAL);
        assert_null(none);
        assert_non_null(strstr(broken_error, broken));
        assert_non_null(strstr(broken_error, "[platform] url"));

        _cleanup_free_ char *missing_error = NULL;
        assert_int_equal(td_profile_load("no-such-profile", &none, &missing_error), -ENOENT);
        assert_non_null(strstr(missing_error, "no-such-profile"));
        assert_non_null(strstr(missing_error, user_dir));
        assert_non_null(strstr(missing_error, "/etc/tokendoctor/profiles"));
        assert_non_null(strstr(missing_error, data_dir));

        /*
         * No name: the default profile, which is shipped and so found in a data dir; uninstalled,
         * the source tree's, named in the environment as meson devenv does (nothing is compiled in).
         */
        const char *srcdir = getenv("TD_SRCDIR");
        if (isempty(srcdir))
                fail_msg("TD_SRCDIR is not set; run this test through meson");
        _cleanup_free_ char *shipped = td_strdup_printf("%s/data", srcdir);
        _cleanup_profile_free_ TdProfile *def = NULL;
        _cleanup_free_ char *def_error = NULL;
        setenv("TOKENDOCTOR_DATADIR", shipped, 1);
        if (td_profile_load(NULL, &def, &def_error) < 0)
                fail_msg("default profile: %s", def_error);
        assert_string_equal(def->id, TD_PROFILE_DEFAULT);
        setenv("TOKENDOCTOR_DATADIR", data, 1);

        _cleanup_free_ char *empty_error = NULL;
        assert_int_equal(td_profile_load_file("", &none, &empty_error), -EINVAL);
        assert_non_null(empty_error);

        /* "../x" has a '/': it is a path, which does not exist here, never a name. */
        _cleanup_free_ char *dotdot_error = NULL;
        assert_int_equal(td_profile_load("../x", &none, &dotdot_error), -ENOENT);
        assert_non_null(strstr(dotdot_error, "../x"));

        const char *bad_names[] = { "", "bad name", "..", ".hidden", "a\\b", "名字" };
        for (size_t i = 0; i < ELEMENTSOF(bad_names); i++) {
                _cleanup_free_ char *bad_error = NULL;
                if (td_profile_load(bad_names[i], &none, &bad_error) != -EINVAL)
                        fail_msg("\"%s\" was taken as a name", bad_names[i]);
                assert_non_null(bad_error);
                assert_non_null(strstr(bad_error, bad_names[i]));
        }
        assert_null(none);

        /* A relative XDG_CONFIG_HOME is ignored, as the XDG spec says; HOME is used. */
        SavedEnv env_home;
        save_env(&env_home, "HOME", tmpdir);
        setenv("XDG_CONFIG_HOME", "relative/dir", 1);
        _cleanup_strv_free_ TdStrv home_dirs = td_profile_search_dirs();
        _cleanup_free_ char *home_dir = td_strdup_printf("%s/.config/tokendoctor/profiles", tmpdir);
        assert_string_equal(home_dirs[0], home_dir);
        restore_env(&env_home);

        /* Without TOKENDOCTOR_DATADIR its directory is not searched. */
        unsetenv("TOKENDOCTOR_DATADIR");
        _cleanup_strv_free_ TdStrv plain_dirs = td_profile_search_dirs();
        assert_false(td_strv_contains((const char *const *) plain_dirs, data_dir));

        restore_env(&env_xdg);
        restore_env(&env_data);
}

/* iniparser reports errors through one global callback: loads in parallel keep them apart. */
typedef struct {
        const char *path;
        int expected;
        const char *expected_text;
        int failures;
} ThreadJob;

static void *load_many(void *userdata) {
        ThreadJob *job = userdata;
        for (int i = 0; i < 50; i++) {
                TdProfile *p = NULL;
                char *error = NULL;
                int r = td_profile_load_file(job->path, &p, &error);
                if (r != job->expected ||
                    (job->expected_text && (!error || !strstr(error, job->expected_text))) ||
                    (!job->expected_text && error))
                        job->failures++;
                td_profile_free(p);
                free(error);
        }
        return NULL;
}

static void test_threads(void **state) {
        _cleanup_free_ char *good = write_file("t-good.ini", "[platform]\nurl = https://a/\n");
        _cleanup_free_ char *bad1 = write_file("t-bad1.ini", "[platform]\nurl = https://a/\njunk\n");
        _cleanup_free_ char *bad2 = write_file("t-bad2.ini", "[platform]\n\n\n\n[ca\n");
        ThreadJob jobs[] = {
                { good, 0, NULL, 0 },
                { bad1, -EINVAL, "line 3: syntax error: \"junk\"", 0 },
                { bad2, -EINVAL, "line 5: syntax error: \"[ca\"", 0 },
                { good, 0, NULL, 0 },
        };
        pthread_t threads[ELEMENTSOF(jobs)];
        for (size_t i = 0; i < ELEMENTSOF(jobs); i++)
                assert_int_equal(pthread_create(&threads[i], NULL, load_many, &jobs[i]), 0);
        for (size_t i = 0; i < ELEMENTSOF(jobs); i++) {
                assert_int_equal(pthread_join(threads[i], NULL), 0);
                assert_int_equal(jobs[i].failures, 0);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_shipped_profile), cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_values),          cmocka_unit_test(test_driver_versions),
                cmocka_unit_test(test_url_loopback),    cmocka_unit_test(test_helper),
                cmocka_unit_test(test_relative_paths),  cmocka_unit_test(test_token_models),
                cmocka_unit_test(test_bad_files),       cmocka_unit_test(test_too_big),
                cmocka_unit_test(test_unreadable),      cmocka_unit_test(test_lookup),
                cmocka_unit_test(test_threads),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
