/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Certificates read from a token: any bytes, parsed and compared with the platform's CA name. */
#include <stdint.h>

#include "platform/td-x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        TdCertInfo info;
        if (td_x509_parse(data, size, &info) == 0)
                td_cert_info_clear(&info);
        td_x509_issuer_matches(data, size,
                               "C=CN, O=华润守正招标有限公司, OU=电子商务部, CN=华润守正招标有限公司CA");
        return 0;
}
