package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/batchprompt/batchprompt/pipeline"
)

const exportRequestsLong = `export-requests renders a job's prompts into OpenAI Batch API input files,
one request a line ({"custom_id", "method", "url", "body"}), split at the Batch
API's limits (50,000 requests and 200 MB per file) with one model per file.
Each body is exactly what run would send for the row, and custom_id is the
row's id (the --id-column value, or row-N for the 0-based row number), so the
Batch API's results map back to your rows. Nothing is sent; no key is needed.

The files can be submitted to the Batch API (half the price, results within
24 hours), or run now with batchprompt itself: run takes a Batch API file as
input (format detected) and can write the Batch API's output format
(-o results.batch.jsonl).`

const exportRequestsExample = `  # Batch API files for a templated job:
  batchprompt export-requests examples/summarise/job.yaml --out-dir batch/

  # Run them now instead of waiting for the Batch API:
  batchprompt run -i 'batch/requests-*.jsonl' -o results.batch.jsonl --simulate`

func newExportRequestsCmd(env Env, stdin io.Reader, stdout, stderr io.Writer, res *result) *cobra.Command {
	var f runFlags
	var opt pipeline.ExportOptions
	cmd := &cobra.Command{
		Use:     "export-requests [JOB.yaml] --out-dir DIR [flags]",
		Short:   "Write a job's requests as OpenAI Batch API input files",
		Long:    exportRequestsLong,
		Example: exportRequestsExample,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, pos []string) error {
			jobPath := ""
			if len(pos) == 1 {
				jobPath = pos[0]
			}
			job, err := loadJob(cmd.Flags(), &f, jobPath, env)
			if err != nil {
				return err
			}
			if opt.Dir == "" {
				return &usageError{fmt.Errorf("give --out-dir DIR for the Batch API files")}
			}
			job.Stdin = stdin
			if f.prices != "" {
				p, err := pipeline.LoadPrices(f.prices)
				if err != nil {
					return &usageError{err}
				}
				opt.Prices = p
			}
			rep, err := pipeline.ExportRequests(cmd.Context(), job, opt)
			if err != nil {
				return err
			}
			for _, p := range rep.Files {
				fmt.Fprintln(stdout, p)
			}
			fmt.Fprintf(stderr, "%d requests in %d file(s)\n", rep.Requests, len(rep.Files))
			if rep.Skipped > 0 {
				fmt.Fprintf(stderr, "%d rows could not be rendered and were not exported:\n", rep.Skipped)
				for _, k := range rep.Failed {
					fmt.Fprintf(stderr, "  %s × %d, e.g. %s\n", k.Kind, k.Count, k.Example)
				}
				res.rowsFailed = true
			}
			return nil
		},
	}
	fs := cmd.Flags()
	f.register(fs)
	hideIrrelevant(fs, "export-requests")
	fs.StringVar(&opt.Dir, "out-dir", "", "folder for the Batch API input files (created if missing)")
	fs.StringVar(&opt.Prefix, "prefix", "requests", "file name prefix: PREFIX-MODEL-0001.jsonl")
	fs.IntVar(&opt.MaxRequests, "max-requests", pipeline.BatchMaxRequests, "requests per file at most")
	fs.Int64Var(&opt.MaxBytes, "max-bytes", pipeline.BatchMaxBytes, "bytes per file at most")
	fs.SortFlags = false
	return cmd
}
