/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The library's own files include the helpers by their short name. */
#pragma once
#include "tokendoctor/td-util.h"
