/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A library's error text (curl's, pcsc-lite's, the PKCS#11 probe's, or a file error of
 * td-fact) as a check quotes it for support at the end of its message, inside the message's own
 * parenthesis ("(Technical detail: ...)", 「（技术信息：…）」). That parenthesis must not hold
 * another: the text's own parentheses become separators.
 */
#pragma once

/*
 * @raw with its parenthesised parts ("(" ")" and the full-width "（" "）") made separate parts,
 * joined by the translated separator ", " (「，」): "Service not available. (0x8010001D)" becomes
 * "Service not available, 0x8010001D". Each part is trimmed of spaces, of a full stop at its end
 * and of a separator at its start; empty parts are dropped. NULL @raw is "". New string or NULL
 * on ENOMEM. Thread-safe.
 */
char *td_error_text(const char *raw);
