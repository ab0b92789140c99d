/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * session MODULE: the module is loaded and initialised once per tokendoctor run, then asked
 * what the checks need. Standard input carries one request per line:
 *
 *   {"op":"list"}
 *   {"op":"pin-flags","serial":S}
 *   {"op":"sign","serial":S,"key_id":HEX,"challenge":HEX,"pin":true,"count_low_ok":false}
 *                                                                      and then the PIN's line
 *
 * Standard output carries "enter C_Xxx" before each call into the module, and one JSON line
 * per request: the answer, or {"error":...}. The first line after loading is {"ready":true}
 * (or the load's error, and the probe exits). When standard input closes, C_Finalize.
 *
 * The answers travel on a private copy of standard output; standard output itself is pointed
 * at standard error, so a module that prints cannot garble them. The PIN is read without
 * stdio into a page of its own (locked, left out of dumps; core dumps are off once a PIN came)
 * and wiped after use, whatever the request's fate.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "probe.h"
#include "tokendoctor/td-secret.h"

#define REQUEST_MAX 4096
#define PIN_MAX 256

/*
 * One line of standard input, without stdio (no copy of a PIN may linger in a buffer). Returns
 * its length, -1 at the end of input, -EMSGSIZE for a line that does not fit (consumed).
 */
static ssize_t read_line(char *buf, size_t size) {
        size_t len = 0;
        bool overlong = false, any = false;
        for (;;) {
                char c;
                ssize_t n = read(STDIN_FILENO, &c, 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        if (!any)
                                return -1;
                        break;
                }
                any = true;
                if (c == '\n')
                        break;
                if (len + 1 >= size)
                        overlong = true;
                else
                        buf[len++] = c;
        }
        if (len > 0 && buf[len - 1] == '\r')
                len--;
        buf[len] = '\0';
        if (overlong) {
                explicit_bzero(buf, size);
                return -EMSGSIZE;
        }
        return (ssize_t) len;
}

static const char *get_string(json_object *o, const char *key) {
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return json_object_get_string(v);
}

static void answer(CK_FUNCTION_LIST *f, json_object *req, char *pin, size_t pin_len) {
        const char *op = get_string(req, "op");
        if (!op)
                probe_fail("usage", "a request needs an op", 0);
        else if (strcmp(op, "list") == 0)
                probe_list(f);
        else if (strcmp(op, "pin-flags") == 0) {
                const char *serial = get_string(req, "serial");
                if (serial)
                        probe_pin_flags(f, serial);
                else
                        probe_fail("usage", "pin-flags needs a serial", 0);
        } else if (strcmp(op, "sign") == 0) {
                const char *serial = get_string(req, "serial"), *key_id = get_string(req, "key_id"),
                           *challenge = get_string(req, "challenge");
                json_object *ok;
                bool count_low_ok = json_object_object_get_ex(req, "count_low_ok", &ok) &&
                                    json_object_is_type(ok, json_type_boolean) &&
                                    json_object_get_boolean(ok);
                if (serial && key_id && challenge)
                        probe_sign(f, serial, key_id, challenge, count_low_ok, pin, pin_len);
                else
                        probe_fail("usage", "sign needs a serial, a key_id and a challenge", 0);
        } else
                probe_fail("usage", "unknown op", 0);
}

int probe_session(const char *module) {
        int out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
        if (out < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
                perror("tokendoctor-p11probe");
                return 2;
        }
        probe_output_init(out, true);
        CK_FUNCTION_LIST *f = probe_load(module);
        if (!f)
                return PROBE_EXIT_FAILED;
        json_object *ready = json_object_new_object();
        json_object_object_add(ready, "ready", json_object_new_boolean(true));
        probe_print(ready);

        /* Made when the first PIN comes: that also turns core dumps off for good (td-secret.h). */
        TdSecret *pin = NULL;
        char line[REQUEST_MAX];
        for (;;) {
                ssize_t len = read_line(line, sizeof line);
                if (len == -1)
                        break;
                if (len < 0) {
                        probe_fail("usage", "the request is too long", 0);
                        continue;
                }
                json_object *req = json_tokener_parse(line);
                json_object *want_pin;
                bool pin_follows = req && json_object_object_get_ex(req, "pin", &want_pin) &&
                                   json_object_get_boolean(want_pin);
                /* Read the PIN's line even if the request turns out bad: it must never be taken
                 * for the next request. */
                ssize_t pin_len = 0;
                if (pin_follows && !pin) {
                        int r = td_secret_new(PIN_MAX, &pin);
                        if (r < 0) {
                                /* No PIN may come into a process that could dump it: end here. */
                                fprintf(stderr, "tokendoctor-p11probe: cannot keep a PIN safe: %s\n",
                                        strerror(-r));
                                break;
                        }
                }
                if (pin_follows)
                        pin_len = read_line(pin->data, pin->size);
                if (!req || !json_object_is_type(req, json_type_object))
                        probe_fail("usage", "a request is one JSON object", 0);
                else if (pin_len == -1)
                        probe_fail("usage", "the PIN's line is missing", 0);
                else if (pin_len < 0)
                        probe_fail("usage", "the PIN is too long", 0);
                else if (pin_follows && !td_pin_is_text(pin->data, (size_t) pin_len))
                        probe_fail("usage", "the PIN holds a control character", 0);
                else
                        answer(f, req, pin_follows ? pin->data : NULL, (size_t) pin_len);
                if (pin)
                        explicit_bzero(pin->data, pin->size);
                json_object_put(req);
        }
        td_secret_free(pin);
        probe_unload(f);
        return 0;
}
