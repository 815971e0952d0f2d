# hello.mk: bin/hello.elf, the first guest program (newlib + ulib).

$(OUT)/sysapps/hello/%.o: sysapps/hello/%.c $(NEWLIB_STAMP)
	@mkdir -p $(@D)
	$(GUEST_CC) $(GUEST_CFLAGS) -c -o $@ $<

$(BIN)/hello.elf: $(OUT)/sysapps/hello/hello.o $(GUEST_LINK_DEPS) | $(BIN)
	$(GUEST_CC) $(GUEST_LDFLAGS) -o $@ $(filter %.o,$<) $(GUEST_LIBS)

ALL += $(BIN)/hello.elf
