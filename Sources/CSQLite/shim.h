// Debian's libsqlite3 is built with the session extension; its API in sqlite3.h is only declared
// when these are defined before the header is included.
#define SQLITE_ENABLE_SESSION 1
#define SQLITE_ENABLE_PREUPDATE_HOOK 1
#include <sqlite3.h>
