# sysapps/: placeable system components built as guest programs.
#
# bin/fsd.elf: the fs component for --fs=guest.  The same service and ext2
# sources the macro-kernel links (FS_HOST_SRCS), minus host volumes, plus
# the server's main; built with newlib + ulib like any guest program.
# It starts the user's program as launch.elf does (sysapps/launch/run.c).
#
# bin/launch.elf: process 1 when the program comes from the VM's file
# system or -w names a working directory: chdir, then execve in place.

FSD_SRCS := sysapps/fs/fsd.c sysapps/fs/service.c sysapps/fs/load.c sysapps/fs/backend_ext2.c \
	sysapps/fs/volume_none.c $(wildcard sysapps/fs/ext2*.c) sysapps/launch/run.c \
	sysapps/svc/server.c
FSD_OBJS := $(FSD_SRCS:%.c=$(OUT)/guest/%.o)

$(OUT)/guest/sysapps/%.o: sysapps/%.c $(NEWLIB_STAMP)
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -Isysapps/include -Isysapps/fs/include -Isysapps/launch/include -c -o $@ $<

$(BIN)/fsd.elf: $(FSD_OBJS) $(GUEST_LINK_DEPS) | $(BIN)
	$(GUEST_CC) $(GUEST_LDFLAGS) -o $@ $(FSD_OBJS) $(GUEST_LIBS)

LAUNCH_OBJS := $(OUT)/guest/sysapps/launch/launch.o $(OUT)/guest/sysapps/launch/run.o

$(BIN)/launch.elf: $(LAUNCH_OBJS) $(GUEST_LINK_DEPS) | $(BIN)
	$(GUEST_CC) $(GUEST_LDFLAGS) -o $@ $(LAUNCH_OBJS) $(GUEST_LIBS)

ALL += $(BIN)/fsd.elf $(BIN)/launch.elf
