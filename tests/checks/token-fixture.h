/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A token for the cert.* checks without the rig: a shell script in the PKCS#11 probe's place
 * ($TOKENDOCTOR_P11PROBE) answers the listing with one token holding a certificate made by the
 * rig's td-mkcert ($TD_MKCERT) at test time. The checks, the session and OpenSSL are the real
 * ones; the rig tests cover the same certificates through OpenSC and tokensim. What the fake
 * cannot tell is the time: the tests pin the context's clock to the second.
 */
#pragma once

#include <spawn.h>
#include <sys/wait.h>

#include "check-fixture.h"

extern char **environ;

/* The module the profile names: any ELF file of this machine passes the architecture check. */
#define TOKEN_FIXTURE_MODULE "/proc/self/exe"

/* Run td-mkcert with @argv (after the program name, NULL-terminated). */
static inline void token_fixture_mkcert(const char *const *argv) {
        const char *mkcert = getenv("TD_MKCERT");
        if (isempty(mkcert))
                fail_msg("TD_MKCERT must name the rig's td-mkcert");
        const char *args[32] = { mkcert };
        size_t n = 1;
        for (; argv[n - 1]; n++) {
                assert_true(n < ELEMENTSOF(args) - 1);
                args[n] = argv[n - 1];
        }
        args[n] = NULL;
        pid_t pid;
        int status;
        assert_int_equal(posix_spawn(&pid, mkcert, NULL, NULL, (char *const *) args, environ), 0);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* ROOT/@name.pem and .key: a CA named @subject (self-signed), for token_fixture_leaf(). */
static inline void token_fixture_ca(const char *root, const char *name, const char *subject) {
        char *out = td_strdup_printf("%s/%s", root, name);
        assert_non_null(out);
        const char *argv[] = { "ca", "--subject", subject, "--out", out, NULL };
        token_fixture_mkcert(argv);
        free(out);
}

/* ROOT/@name.pem: a signing certificate issued by the CA ROOT/@ca, valid @not_before to @not_after. */
static inline void token_fixture_leaf(const char *root, const char *name, const char *ca,
                                      const char *not_before, const char *not_after) {
        char *out = td_strdup_printf("%s/%s", root, name), *issuer = td_strdup_printf("%s/%s", root, ca);
        assert_non_null(out);
        assert_non_null(issuer);
        const char *argv[] = { "leaf",
                               "--ca",
                               issuer,
                               "--subject",
                               "C=CN,O=四号投标公司,CN=四号投标公司",
                               "--not-before",
                               not_before,
                               "--not-after",
                               not_after,
                               "--key-usage",
                               "digitalSignature,nonRepudiation",
                               "--out",
                               out,
                               NULL };
        token_fixture_mkcert(argv);
        free(issuer);
        free(out);
}

/*
 * From now on, the probe shows one token holding ROOT/@name.pem. A PEM's body is its DER in
 * base64, which is how the probe sends certificates.
 */
static inline void token_fixture_insert(const char *root, const char *name) {
        char *pem_path = td_strdup_printf("%s/%s.pem", root, name);
        assert_non_null(pem_path);
        size_t len;
        char *pem = fixture_read(pem_path, &len);
        pem[len] = '\0';
        char *b64 = calloc(1, len + 1), *out = b64;
        assert_non_null(b64);
        for (char *line = strtok(pem, "\n"); line; line = strtok(NULL, "\n"))
                if (strncmp(line, "-----", 5) != 0)
                        out = stpcpy(out, line);
        char *listing = td_strdup_printf(
                "{\"slots\":[{\"description\":\"fake "
                "slot\",\"token\":{\"initialized\":true,\"serial\":\"S1\","
                "\"label\":\"fake "
                "token\",\"certificates\":[{\"id\":\"01\",\"label\":\"cert\",\"der\":\"%s\"}]}}]}\n",
                b64);
        assert_non_null(listing);
        fixture_write_text(root, "listing.json", listing);
        /* The probe's protocol (src/p11probe/session.c): ready, then one answer per request. */
        char *script = td_strdup_printf("#!/bin/sh\necho '{\"ready\":true}'\nwhile read -r req; do cat "
                                        "'%s/listing.json'; done\n",
                                        root);
        assert_non_null(script);
        fixture_write_text(root, "probe", script);
        char *probe = td_strdup_printf("%s/probe", root);
        assert_non_null(probe);
        assert_int_equal(chmod(probe, 0755), 0);
        assert_int_equal(setenv("TOKENDOCTOR_P11PROBE", probe, 1), 0);
        free(probe);
        free(script);
        free(listing);
        free(b64);
        free(pem);
        free(pem_path);
}

/* A profile naming the fake module, with @extra (INI text: [ca] keys, say) after it. */
static inline TdProfile *token_fixture_profile(const char *root, const char *extra) {
        char *text =
                td_strdup_printf("[platform]\nurl = https://platform.invalid/\n[token]\nmodule = %s\n%s",
                                 TOKEN_FIXTURE_MODULE, extra);
        char *path = td_strdup_printf("%s/p.ini", root);
        assert_non_null(text);
        assert_non_null(path);
        fixture_write_text(root, "p.ini", text);
        TdProfile *p = NULL;
        char *error = NULL;
        int r = td_profile_load_file(path, &p, &error);
        if (r < 0)
                fail_msg("%s", error ? error : strerror(-r));
        free(path);
        free(text);
        return p;
}

static inline time_t token_fixture_clock(void *user) {
        return *(const time_t *) user;
}

/* Run @check on the fake token with @profile (taken), the clock standing at @now. */
static inline void token_fixture_run(const TdCheck *check, TdProfile *profile, time_t now, TdResult *ret) {
        TdContext *ctx = fixture_context(NULL, profile);
        td_context_set_clock(ctx, token_fixture_clock, &now);
        fixture_run_in(check, ctx, ret);
}
