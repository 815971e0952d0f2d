# sysapps/: placeable system components built as guest programs.
#
# bin/fsd.elf: the fs component for --fs=guest.  The same service and ext2
# sources the macro-kernel links (FS_HOST_SRCS), minus host volumes, plus
# the server's main; built with newlib + ulib like any guest program.

FSD_SRCS := sysapps/fs/fsd.c sysapps/fs/service.c sysapps/fs/load.c sysapps/fs/backend_ext2.c \
	sysapps/fs/volume_none.c $(wildcard sysapps/fs/ext2*.c)
FSD_OBJS := $(FSD_SRCS:%.c=$(OUT)/guest/%.o)

$(OUT)/guest/sysapps/%.o: sysapps/%.c $(NEWLIB_STAMP)
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -Isysapps/fs/include -c -o $@ $<

$(BIN)/fsd.elf: $(FSD_OBJS) $(GUEST_LINK_DEPS) | $(BIN)
	$(GUEST_CC) $(GUEST_LDFLAGS) -o $@ $(FSD_OBJS) $(GUEST_LIBS)

ALL += $(BIN)/fsd.elf
