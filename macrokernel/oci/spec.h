/* A bundle's config.json, read, bounded and checked: what nanvix-runc will run. */
#ifndef OCI_SPEC_H
#define OCI_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Bounds on hostile input: anything beyond them is refused with a reason. */
#define OCI_CONFIG_MAX      (4u << 20)   /* bytes of config.json */
#define OCI_ARGS_MAX        4096         /* process.args entries */
#define OCI_ENV_MAX         4096         /* process.env entries */
#define OCI_MOUNTS_MAX      512          /* mounts entries */
#define OCI_STRING_MAX      (128u << 10) /* one argument or variable (Linux's MAX_ARG_STRLEN) */
#define OCI_ARGV_BYTES      (1u << 20)   /* all arguments and variables together */
#define OCI_MEM_DEFAULT_MIB 64           /* -m when there is no memory limit */
#define OCI_MEM_MIN_MIB     2            /* below this no guest boots (nanvixd's 121) */
#define OCI_MEM_MAX_MIB     (64u << 10)  /* nanvixd's -m ceiling, 64 GiB */

/* The annotations by which the CRI marks a pod's sandbox (pause) container. */
#define OCI_SANDBOX_KEY      "io.kubernetes.cri.container-type"
#define OCI_SANDBOX_KEY_CRIO "io.kubernetes.cri-o.ContainerType"
#define OCI_SANDBOX_VALUE    "sandbox"

/* A host directory or file the VM sees at dst (nanvixd -v). */
struct oci_volume {
	char *src; /* host path; NULL: a tmpfs, a private directory made at create */
	char *dst; /* absolute path in the VM */
	int ro;
};

struct oci_spec {
	char *version; /* ociVersion */
	char *bundle;  /* absolute */
	char *rootfs;  /* absolute, canonical */
	int root_ro;   /* root.readonly */
	char **args;   /* process.args, args[0] resolved to a path of the rootfs */
	size_t nargs;
	char **env; /* process.env, each KEY=VALUE */
	size_t nenv;
	char *cwd;           /* process.cwd */
	int terminal;        /* process.terminal */
	unsigned rows, cols; /* process.consoleSize, 0 when absent */
	int oom_score_adj;   /* process.oomScoreAdj */
	int has_oom_score_adj;
	uint64_t mem_mib; /* -m */
	uint32_t pids;    /* linux.resources.pids.limit: --pids-limit, 0: none */
	double cpus;      /* linux.resources.cpu quota / period: --cpus, 0: none */
	struct oci_volume *vols;
	size_t nvols;
	char *netns;         /* network namespace to join (linux.namespaces), or NULL */
	int sandbox;         /* a CRI pod sandbox: runs as a placeholder, not a VM */
	json_t *annotations; /* an object (maybe empty), owned */
};

/*
 * Read BUNDLE/config.json into SPEC (zeroed first).  Fields nanvix-runc
 * cannot honour are refused, harmless ones ignored (docs/kubernetes.md lists
 * each).  Returns 0, or -1 with the reason in WHY (WHYLEN bytes) and SPEC
 * freed.
 */
int oci_spec_load(const char *bundle, struct oci_spec *spec, char *why, size_t whylen);

/* Free what oci_spec_load allocated (safe on a zeroed or freed spec). */
void oci_spec_free(struct oci_spec *spec);

#endif
