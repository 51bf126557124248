import FaztCLI

// JavaScript workers run on the process's main thread, before any async machinery starts:
// JavaScriptCore interrupts runaway code with signals, which libdispatch's pool threads block.
FaztCommand.runWorkerIfRequested()
await FaztCommand.runMain()
