package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestBuildsAsOutsideModule copies main.go into a fresh module that
// requires batchprompt (replaced by this checkout) and builds it there, as
// a user who copies the example would. It proves the example imports no
// internal package. No network is used: GOPROXY=off limits the go command
// to the module cache, which already holds every dependency of this
// checkout, and go.sum comes from the checkout.
func TestBuildsAsOutsideModule(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command: a few seconds")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	copyFile(t, "main.go", filepath.Join(dir, "main.go"))
	copyFile(t, filepath.Join(root, "go.sum"), filepath.Join(dir, "go.sum"))
	mod := "module example.com/lib\n\ngo 1.26\n\n" +
		"require github.com/batchprompt/batchprompt v0.0.0\n\n" +
		"replace github.com/batchprompt/batchprompt => " + root + "\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", filepath.Join(dir, "lib"), ".")
	cmd.Dir = dir
	// -mod=mod lets go add the indirect requirements to the new go.mod;
	// GOWORK=off and GOTOOLCHAIN=local keep any workspace or toolchain
	// download out of it.
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build in a module outside the checkout: %v\n%s", err, out)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
