// Command aftermath is the incident post-mortem and root-cause tracker: one
// binary that serves the web UI and API, migrates, imports, exports, reports
// and seeds.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := rootCommand().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "aftermath:", err)
		os.Exit(1)
	}
}
