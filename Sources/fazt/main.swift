import FaztCLI

await FaztCommand.runMain()
