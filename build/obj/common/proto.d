build/obj/common/proto.o: common/proto.c common/proto.h common/xalloc.h
common/proto.h:
common/xalloc.h:
