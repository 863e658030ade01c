// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Tapio's kernel side: one CO-RE object whose programs only collect. Each
 * program is attached on its own by internal/ebpf, so a hook the kernel
 * refuses disables itself and leaves the others running.
 */
#include "tapio_common.h"
#include "process.h"
#include "oom.h"
#include "tcp.h"
#include "dns.h"

/* GPL: bpf_probe_read_* and the tracing helpers are GPL-only. */
char LICENSE[] SEC("license") = "Dual BSD/GPL";
