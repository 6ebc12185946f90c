// Package atomicfile publishes files crash-safely: a reader (or a process
// restarted after a crash or power loss) sees either the previous file at a
// path or the complete new one, never a prefix of it.
//
// The technique is the classic one: write a temporary file in the target's
// directory, fsync it, rename it over the target and fsync the directory so
// the rename itself is durable. The temporary file lives beside the target
// because rename is only atomic within one file system.
//
// A process killed mid-write (kill -9, a power cut) leaves its hidden temp
// file behind; no later Write reuses the name. CleanStale, called before an
// output is written, removes the leftovers for that output and never the
// file of a Write still in progress.
package atomicfile
