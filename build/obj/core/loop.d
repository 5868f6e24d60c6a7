build/obj/core/loop.o: core/loop.c core/loop.h common/xalloc.h
core/loop.h:
common/xalloc.h:
