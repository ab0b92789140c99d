/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "platform/td-http.h"
#include "tokendoctor/td-platform.h"

int td_platform_init(void) {
        return td_http_global_init();
}
