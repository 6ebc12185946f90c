package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/batchprompt/batchprompt/internal/simulator"
)

// rlConfig is one ratelimit benchmark run.
type rlConfig struct {
	mode             string
	simRPM, simTPM   int64
	faultRate        float64
	duration, warmup time.Duration
	concurrency      int
	latency, jitter  time.Duration
	maxTokens        int64
	words            int
	rows             int64
	headroom         float64
	bucketSeconds    float64
	givenRPM         float64
	givenTPM         float64
	seed             int64
	events           string

	charge     string        // simulator.TPMChargeChars or TPMChargeTiktoken
	text       string        // "en" or "cjk"
	procs      int           // processes on the key
	foreign    float64       // share of both limits a foreign load takes
	foreignFor time.Duration // how long the foreign load runs from the start
}

// scenario is what a mode sets; the flags may override the limits.
type scenario struct {
	rpm, tpm   int64
	faults     float64
	charge     string
	text       string
	procs      int
	foreign    float64
	foreignFor time.Duration
	duration   time.Duration // 0: --duration
	maxTokens  int64         // 0: --max-tokens
	words      int           // 0: --words
}

// scenarios are the benchmark's modes. rpm, tpm and faults charge tokens
// exactly as the client counts them (the simulator as a mirror); the
// others meet a server that is not: it charges from characters, or the
// key is shared with other processes or with a foreign load.
var scenarios = map[string]scenario{
	"rpm":    {rpm: 600, tpm: 1_000_000, charge: simulator.TPMChargeTiktoken},
	"tpm":    {rpm: 20_000, tpm: 150_000, charge: simulator.TPMChargeTiktoken},
	"faults": {rpm: 600, tpm: 1_000_000, faults: 0.10, charge: simulator.TPMChargeTiktoken},
	// A small output cap and long prompts: the charge is mostly the
	// prompt, where the two counts differ.
	"chars-en":  {rpm: 20_000, tpm: 150_000, charge: simulator.TPMChargeChars, text: "en", maxTokens: 20, words: 120},
	"chars-cjk": {rpm: 20_000, tpm: 150_000, charge: simulator.TPMChargeChars, text: "cjk", maxTokens: 20, words: 60},
	"two":       {rpm: 600, tpm: 1_000_000, charge: simulator.TPMChargeChars, procs: 2},
	"three":     {rpm: 600, tpm: 1_000_000, charge: simulator.TPMChargeChars, procs: 3},
	"foreign": {rpm: 600, tpm: 1_000_000, charge: simulator.TPMChargeChars, foreign: 0.4,
		foreignFor: 75 * time.Second, duration: 115 * time.Second},
}

// allModes is the order "all" runs them in.
var allModes = []string{"rpm", "tpm", "faults", "chars-en", "chars-cjk", "two", "three", "foreign"}

func rateLimitCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ratelimit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c rlConfig
	fs.StringVar(&c.mode, "mode", "all", "one of "+strings.Join(allModes, ", ")+", or all")
	fs.Int64Var(&c.simRPM, "sim-rpm", 0, "simulator requests per minute (0: the mode's default)")
	fs.Int64Var(&c.simTPM, "sim-tpm", 0, "simulator tokens per minute (0: the mode's default)")
	fs.Float64Var(&c.faultRate, "fault-rate", -1, "share of requests answered 500/502/503 (-1: the mode's default)")
	fs.DurationVar(&c.duration, "duration", 60*time.Second, "end of the measured window; rows are sized to run a little past it")
	fs.DurationVar(&c.warmup, "warmup", 15*time.Second, "start of the measured window (steady state)")
	fs.IntVar(&c.concurrency, "concurrency", 256, "pipeline --concurrency")
	fs.DurationVar(&c.latency, "latency", 300*time.Millisecond, "simulator base latency")
	fs.DurationVar(&c.jitter, "jitter", 400*time.Millisecond, "simulator latency jitter, added uniformly in [0, jitter)")
	fs.Int64Var(&c.maxTokens, "max-tokens", 100, "max_tokens of every request")
	fs.IntVar(&c.words, "words", 40, "words per prompt")
	fs.Int64Var(&c.rows, "rows", 0, "input rows per process (0: enough to run about 10 % past --duration)")
	fs.Float64Var(&c.headroom, "headroom", 0.02, "pipeline --headroom")
	fs.Float64Var(&c.bucketSeconds, "bucket-seconds", 0, "simulator bucket capacity in seconds of the limit (0: its default, 5)")
	fs.Float64Var(&c.givenRPM, "rpm", 0, "give the pipeline this RPM instead of learning it")
	fs.Float64Var(&c.givenTPM, "tpm", 0, "give the pipeline this TPM instead of learning it")
	fs.Int64Var(&c.seed, "seed", 1, "simulator fault seed")
	fs.StringVar(&c.events, "events", "", "write every request the simulator saw to this file (seconds, status, charge) and client send times to FILE.sends")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	modes := []string{c.mode}
	if c.mode == "all" {
		modes = allModes
	}
	code := 0
	for _, m := range modes {
		sc, ok := scenarios[m]
		if !ok {
			fmt.Fprintf(stderr, "ratelimit: unknown --mode %q (%s, all)\n", m, strings.Join(allModes, ", "))
			return 2
		}
		rc := c.with(m, sc, set)
		res, err := runRateLimit(ctx, rc)
		if err != nil {
			fmt.Fprintf(stderr, "ratelimit %s: %v\n", m, err)
			return 1
		}
		if !res.print(stdout) {
			code = 3
		}
		if ctx.Err() != nil {
			return 130
		}
	}
	return code
}

// with returns c set up for mode m: the scenario's values where no flag
// (named in set) overrides them.
func (c rlConfig) with(m string, sc scenario, set map[string]bool) rlConfig {
	c.mode = m
	if c.simRPM == 0 {
		c.simRPM = sc.rpm
	}
	if c.simTPM == 0 {
		c.simTPM = sc.tpm
	}
	if c.faultRate < 0 {
		c.faultRate = sc.faults
	}
	if sc.duration > 0 && sc.duration > c.duration {
		c.duration = sc.duration
	}
	if sc.maxTokens > 0 && !set["max-tokens"] {
		c.maxTokens = sc.maxTokens
	}
	if sc.words > 0 && !set["words"] {
		c.words = sc.words
	}
	c.charge, c.text, c.procs = sc.charge, sc.text, max(sc.procs, 1)
	c.foreign, c.foreignFor = sc.foreign, sc.foreignFor
	return c
}
