// null_milter.cpp - the benchmark's peer: a trivial libmilter filter that accepts everything
// and looks at every stage (so Postfix sends it the same events as deskgate-milter).
//   null_milter unix:/path
#include <libmilter/mfapi.h>

#include <cstdio>

namespace {

sfsistat cont(SMFICTX*) { return SMFIS_CONTINUE; }
sfsistat cont_connect(SMFICTX*, char*, _SOCK_ADDR*) { return SMFIS_CONTINUE; }
sfsistat cont_args(SMFICTX*, char**) { return SMFIS_CONTINUE; }
sfsistat cont_header(SMFICTX*, char*, char*) { return SMFIS_CONTINUE; }
sfsistat cont_body(SMFICTX*, unsigned char*, size_t) { return SMFIS_CONTINUE; }

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: null_milter unix:/path\n");
        return 64;
    }
    smfiDesc desc{};
    desc.xxfi_name = const_cast<char*>("null");
    desc.xxfi_version = SMFI_VERSION;
    desc.xxfi_connect = cont_connect;
    desc.xxfi_envfrom = cont_args;
    desc.xxfi_envrcpt = cont_args;
    desc.xxfi_header = cont_header;
    desc.xxfi_body = cont_body;
    desc.xxfi_eom = cont;
    desc.xxfi_abort = cont;
    desc.xxfi_close = cont;
    if (smfi_register(desc) == MI_FAILURE || smfi_setconn(argv[1]) == MI_FAILURE || smfi_opensocket(true) == MI_FAILURE)
        return 75;
    return smfi_main() == MI_SUCCESS ? 0 : 75;
}
