package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/batchprompt/batchprompt/internal/simulator"
	"github.com/batchprompt/batchprompt/pipeline"
)

const runLong = `run sends one chat completion request per input row and writes one output
row per input row, in input order, with the answer, token counts, cost and
any error.

Every setting is a flag, a key of the optional job file (snake_case:
max_tokens), or an environment variable BATCHPROMPT_<FLAG> (BATCHPROMPT_MAX_TOKENS).
Precedence: flags > BATCHPROMPT_* environment > job file > OPENAI_* environment
(OPENAI_BASE_URL, OPENAI_ORG_ID, OPENAI_PROJECT_ID) > defaults. Relative paths
in a job file are relative to the job file's folder. The API key comes only
from OPENAI_API_KEY or --api-key-file, never from a job file.

Every result is committed to the state database (--state) as it arrives. The
outputs are written from it, whole, once every row has a result. If the run
stops (Ctrl-C, a crash, a rate-limit stall), run the same command again: rows
already answered are not sent again.

Exit codes: 0 all rows OK; 1 fatal error (bad key, unreadable input, --strict);
2 usage or configuration error; 3 stopped by the budget cap; 4 finished but
some rows failed; 5 interrupted or stalled (rerun the same command to resume).`

const runExample = `  # A trial run of 20 rows on the built-in simulator (no key needed):
  batchprompt run examples/summarise/job.yaml --simulate --limit 20

  # Everything on the command line:
  batchprompt run -i reviews.csv -o summaries.csv -o summaries.jsonl \
    --template 'Summarise in one sentence: {{.review}}' \
    --id-column id --keep product --model gpt-4o-mini --max-tokens 100 --temperature 0

  # A local OpenAI-compatible server (vLLM, llama.cpp, Ollama) needs no key:
  batchprompt run job.yaml --base-url http://127.0.0.1:8000/v1 --model my-model`

func newRunCmd(env Env, stdin io.Reader, stderr io.Writer, res *result, args []string) *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:     "run [JOB.yaml] [flags]",
		Short:   "Run a batch job (resumes a stopped one)",
		Long:    runLong,
		Example: runExample,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, pos []string) error {
			jobPath := ""
			if len(pos) == 1 {
				jobPath = pos[0]
			}
			return runJob(cmd.Context(), &f, cmd, jobPath, env, stdin, stderr, args, res)
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().SortFlags = false
	return cmd
}

// runJob settles the configuration, starts the simulator if asked, runs
// the job and reports. A run that started leaves its summary in res; the
// error is one that stopped it from starting.
func runJob(ctx context.Context, f *runFlags, cmd *cobra.Command, jobPath string, env Env, stdin io.Reader, stderr io.Writer, args []string, res *result) error {
	fs := cmd.Flags()
	var jf *jobFile
	if jobPath != "" {
		var err error
		if jf, err = readJobFile(jobPath, fs); err != nil {
			return err
		}
	}
	if err := applyLayers(fs, jf, env); err != nil {
		return err
	}
	job, err := buildJob(f, fs, jobPath)
	if err != nil {
		return err
	}
	job.Stdin = stdin
	if job.Input == "" {
		// Before the key: with nothing to run, a missing key is not the news.
		return &usageError{fmt.Errorf("no input: give a job file or -i/--input (see batchprompt run --help)")}
	}
	opt, err := buildOptions(f, env)
	if err != nil {
		return err
	}
	disp := newDisplay(stderr, f)
	log, err := newLogger(disp, f)
	if err != nil {
		return err
	}
	disp.log = log
	opt.Logger = log
	stopSim, err := startSimulator(f, &opt, log)
	if err != nil {
		return err
	}
	defer stopSim()
	ctx, stop := watchSignals(ctx, &opt)
	defer stop()
	opt.Progress = disp.update
	disp.start(ctx)
	s, err := pipeline.Run(ctx, job, opt)
	disp.stop()
	if err != nil {
		return err
	}
	res.summary = &s
	code := exitCode(*res, nil)
	report(stderr, s, code, args, f.logFormat == "json")
	if f.summary != "" {
		if err := writeSummaryJSON(f.summary, s, code, args); err != nil {
			log.Error("could not write the summary file", "path", f.summary, "err", err)
		}
	}
	return nil
}

// startSimulator starts the built-in simulator when --simulate is given
// and points opt's endpoint at it. The returned function stops it.
func startSimulator(f *runFlags, opt *pipeline.Options, log *slog.Logger) (func(), error) {
	if !f.simulate {
		return func() {}, nil
	}
	cfg, closer, err := simConfig(f.sim)
	if err != nil {
		return nil, err
	}
	srv, err := simulator.Start("127.0.0.1:0", cfg)
	if err != nil {
		closer.Close()
		return nil, fmt.Errorf("start the simulator: %w", err)
	}
	opt.Endpoint.BaseURL, opt.Endpoint.APIKey, opt.Endpoint.Azure = srv.URL, "", false
	log.Info("simulator started: no API key used, nothing is billed", "base_url", srv.URL)
	return func() { srv.Close(); closer.Close() }, nil
}

// signalContext ends on the first SIGINT or SIGTERM and exits at once on
// the second: for commands with no requests in flight to save.
func signalContext(parent context.Context) (context.Context, context.CancelFunc) {
	return watchSignals(parent, nil)
}

// watchSignals ends the returned context on the first SIGINT or SIGTERM:
// the job stops taking new rows and lets requests in flight finish. The
// second signal sets off opt.Abandon: the run gives up the requests in
// flight, commits every answer already received (milliseconds) and ends
// with exit 5; the rows given up stay pending for the next run. With no
// opt, or on a third signal, the process exits at once; the state
// database stays consistent (SQLite's WAL survives a killed process).
func watchSignals(parent context.Context, opt *pipeline.Options) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(parent)
	done := make(chan struct{})
	abandon := make(chan struct{})
	if opt != nil {
		opt.Abandon = abandon
	}
	ch := make(chan os.Signal, 3)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		for n := 1; ; n++ {
			select {
			case <-ch:
			case <-done:
				return
			}
			switch {
			case n == 1:
				cancel()
			case n == 2 && opt != nil:
				fmt.Fprintln(os.Stderr, "batchprompt: second signal: abandoning the requests in flight after saving the answers received; a third exits at once")
				close(abandon)
			default:
				fmt.Fprintln(os.Stderr, "batchprompt: stopping now; rerun the same command to resume")
				os.Exit(exitInterrupted)
			}
		}
	}()
	return ctx, func() { signal.Stop(ch); close(done); cancel() }
}
