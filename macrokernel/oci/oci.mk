# bin/nanvix-runc: an OCI runtime with runc's command line, running each
# container as a micro-VM (macrokernel/oci/main.c, docs/kubernetes.md).  It
# runs nanvixd, so it links no monitor code; jansson reads config.json
# (statically, glibc dynamically, as nanvix-api).
OCI_SRCS := macrokernel/oci/main.c macrokernel/oci/container.c macrokernel/oci/spec.c \
	macrokernel/oci/state.c macrokernel/oci/proc.c macrokernel/oci/log.c
OCI_OBJS := $(OCI_SRCS:%.c=$(OUT)/%.o)
OCI_COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

$(OUT)/macrokernel/oci/main.o: HOST_CFLAGS += -DOCI_COMMIT='"$(OCI_COMMIT)"'

$(BIN)/nanvix-runc: $(OCI_OBJS) | $(BIN)
	$(HOST_CC) -o $@ $^ $(HOST_LDFLAGS) -Wl,-Bstatic -ljansson -Wl,-Bdynamic

ALL += $(BIN)/nanvix-runc
