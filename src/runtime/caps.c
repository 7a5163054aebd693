/* Linux capability names, and the set a privileged process gets. */
#include "oci.h"
#include "../common/cleanup.h"
#include "../common/fsutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>

/* By number: CAP_CHOWN is 0. The kernel's cap_last_cap says how many it knows. */
static const char *const cap_names[] = {"CHOWN",
                                        "DAC_OVERRIDE",
                                        "DAC_READ_SEARCH",
                                        "FOWNER",
                                        "FSETID",
                                        "KILL",
                                        "SETGID",
                                        "SETUID",
                                        "SETPCAP",
                                        "LINUX_IMMUTABLE",
                                        "NET_BIND_SERVICE",
                                        "NET_BROADCAST",
                                        "NET_ADMIN",
                                        "NET_RAW",
                                        "IPC_LOCK",
                                        "IPC_OWNER",
                                        "SYS_MODULE",
                                        "SYS_RAWIO",
                                        "SYS_CHROOT",
                                        "SYS_PTRACE",
                                        "SYS_PACCT",
                                        "SYS_ADMIN",
                                        "SYS_BOOT",
                                        "SYS_NICE",
                                        "SYS_RESOURCE",
                                        "SYS_TIME",
                                        "SYS_TTY_CONFIG",
                                        "MKNOD",
                                        "LEASE",
                                        "AUDIT_WRITE",
                                        "AUDIT_CONTROL",
                                        "SETFCAP",
                                        "MAC_OVERRIDE",
                                        "MAC_ADMIN",
                                        "SYSLOG",
                                        "WAKE_ALARM",
                                        "BLOCK_SUSPEND",
                                        "AUDIT_READ",
                                        "PERFMON",
                                        "BPF",
                                        "CHECKPOINT_RESTORE",
                                        NULL};

/* moby's caps.GetAllCapabilities: the capabilities this kernel supports, less those berthd's
 * own bounding set lacks (inside a container), which the runtime could not grant. */
json_t *oci_all_caps(void)
{
	_cleanup_free_ char *last = read_file("/proc/sys/kernel/cap_last_cap", NULL, NULL);
	size_t n = sizeof(cap_names) / sizeof(*cap_names) - 1;
	json_t *arr = json_array();

	if (last && (size_t)atoi(last) + 1 < n)
		n = (size_t)atoi(last) + 1;
	for (size_t i = 0; i < n; i++) {
		char name[64];
		if (prctl(PR_CAPBSET_READ, (unsigned long)i, 0, 0, 0) == 0)
			continue;
		snprintf(name, sizeof(name), "CAP_%s", cap_names[i]);
		json_array_append_new(arr, json_string(name));
	}
	return arr;
}


char *const *oci_cap_names(void)
{
	return (char *const *)cap_names;
}
