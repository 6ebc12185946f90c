package jobstate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/batchprompt/batchprompt/writers"
)

// ErrNotStarted is returned by Export for a state database no run has
// begun in: there is nothing to export.
var ErrNotStarted = errors.New("the job has not started: nothing to export")

// ExportSpec says what Export writes, from which state database.
type ExportSpec struct {
	State   string   // the job's state database; it must exist
	Outputs []string // files to write, each in the format its extension names
	// Partial allows exporting a job that is not complete: only the rows
	// with a result are written.
	Partial bool
	// JobOutputs are the job's own outputs as its job file names them; a
	// partial export refuses them, as it does those the database records.
	JobOutputs []string
}

// ExportResult is what Export wrote.
type ExportResult struct {
	Status  Status // the job's status, read before writing
	Rows    int64  // rows written to each file
	Partial bool   // the job was not complete: only rows with a result were written
}

// Export writes spec.Outputs from a job's state database, in input order,
// each published whole. A complete job's files are exactly what run
// writes. A job that is not complete is refused unless spec.Partial is
// set, and a partial export never writes over the job's own outputs: run
// writes those whole once the job is complete.
//
// Mistakes in spec come back as a *ConfigError (wrapping an
// *IncompleteError or *OwnOutputError where one applies); a missing or
// unreadable database, ErrNotStarted and write failures as other errors.
// Cost: one scan of the rows for the status, and one per file.
func Export(ctx context.Context, spec ExportSpec) (ExportResult, error) {
	if err := checkOutputs(spec.Outputs); err != nil {
		return ExportResult{}, err
	}
	db, err := OpenExisting(ctx, spec.State)
	if err != nil {
		return ExportResult{}, err
	}
	defer db.Close()
	st, err := ReadStatus(ctx, db)
	res := ExportResult{Status: st, Partial: !st.Complete}
	switch {
	case err != nil:
		return res, err
	case st.Run == 0:
		return res, fmt.Errorf("state database %s: %w", spec.State, ErrNotStarted)
	case !st.Complete && !spec.Partial:
		return res, &ConfigError{Err: &IncompleteError{State: spec.State, Status: st}}
	case !st.Complete:
		own := append(append([]string(nil), st.Outputs...), spec.JobOutputs...)
		for _, o := range spec.Outputs {
			for _, j := range own {
				if samePath(o, j) {
					return res, &ConfigError{Err: &OwnOutputError{Output: o}}
				}
			}
		}
	}
	// Every output is checked writable (and cleaned of the temp files of
	// a killed export) before any is written.
	for _, o := range spec.Outputs {
		if _, err := PrepareOutput(o); err != nil {
			return res, &ConfigError{Err: err}
		}
	}
	schema := Schema(st.IDColumn, st.Keep)
	fp, _, err := db.Fingerprint(ctx)
	if err != nil {
		return res, err
	}
	schema.Structured = StructuredColumns([]byte(fp[FingerprintResponseFormat]))
	// An embeddings job (issue 17) writes vectors, not answers.
	schema.Embedding = fp["endpoint"] == "embeddings"
	if st.Complete {
		res.Rows = st.OK + st.Failed
		return res, WriteOutputs(ctx, db, spec.Outputs, schema)
	}
	res.Rows, err = WriteResults(ctx, db, spec.Outputs, schema)
	return res, err
}

// checkOutputs refuses an export with no file, a file in no known format,
// or one file given twice.
func checkOutputs(outputs []string) error {
	if len(outputs) == 0 {
		return configErrorf("no output: give -o PATH (repeatable)")
	}
	for i, o := range outputs {
		if _, err := writers.FormatFromPath(o); err != nil {
			return configErrorf("output %s: %w", o, err)
		}
		for _, p := range outputs[:i] {
			if samePath(o, p) {
				return configErrorf("output %s is given twice", o)
			}
		}
	}
	return nil
}

// Schema is the output schema of a job whose rows are identified by
// idColumn ("" for the row number) and keep the columns keep.
func Schema(idColumn string, keep []string) writers.Schema {
	s := writers.Schema{IDColumn: idColumn, Keep: keep}
	if s.IDColumn == "" {
		s.IDColumn, s.RowNumberID = "row", true
	}
	return s
}

// samePath reports whether a and b name the same file: the same absolute
// path, or, when both exist, the same file reached another way (a link).
func samePath(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	if err1 == nil && err2 == nil && aa == bb {
		return true
	}
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}
