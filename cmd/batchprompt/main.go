// Command batchprompt runs large batches of prompts through the OpenAI Chat
// Completions API, or any OpenAI-compatible server, as fast as the rate
// limits allow, committing every result so a stopped job resumes where it
// stopped. Run `batchprompt --help` for the commands.
package main

import (
	"context"
	"os"
)

func main() {
	env := osEnv{}
	os.Exit(execute(context.Background(), os.Args[1:], env, os.Stdin, os.Stdout, os.Stderr))
}

// osEnv reads the process environment.
type osEnv struct{}

func (osEnv) Lookup(key string) (string, bool) { return os.LookupEnv(key) }
