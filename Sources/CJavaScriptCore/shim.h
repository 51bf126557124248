#include <JavaScriptCore/JavaScript.h>

// Exported by libjavascriptcoregtk but declared only in the private JSContextRefPrivate.h, which
// Debian does not install. The execution time limit stops synchronous loops (not promise chains).
typedef bool (*JSShouldTerminateCallback)(JSContextRef ctx, void *context);
JS_EXPORT void JSContextGroupSetExecutionTimeLimit(JSContextGroupRef group, double limit,
                                                   JSShouldTerminateCallback callback, void *context);
JS_EXPORT void JSContextGroupClearExecutionTimeLimit(JSContextGroupRef group);
