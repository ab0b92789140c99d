/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The library's own files include the i18n helpers by their short name. */
#pragma once
#include "tokendoctor/td-i18n.h"
