build/obj/common/validate.o: common/validate.c common/validate.h \
 common/xalloc.h
common/validate.h:
common/xalloc.h:
