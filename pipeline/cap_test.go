package pipeline

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/batchprompt/batchprompt/checkpoint"
	"github.com/batchprompt/batchprompt/internal/simulator"
)

func TestRunNeverSpendsOverTheCap(t *testing.T) {
	for _, conc := range []int{1, 8, 64} {
		e := newEnv(t, simulator.Config{})
		job := e.job(writeCSV(t, e.dir, 400))
		maxTok := int64(60)
		job.Params.MaxTokens = &maxTok
		opt := e.opts()
		opt.Concurrency = conc
		const limit = 0.002
		opt.MaxCostUSD = limit
		s, err := Run(context.Background(), job, opt)
		if err != nil {
			t.Fatal(err)
		}
		if s.Stop != BudgetReached {
			t.Fatalf("concurrency %d: stop=%v, want the budget to stop it", conc, s.Stop)
		}
		if s.SpentUSD > limit || s.CostUSD > limit {
			t.Fatalf("concurrency %d: spent $%v over the $%v cap", conc, s.SpentUSD, limit)
		}
		// Worst case of one request here: ~70 prompt tokens at $0.15/1M plus
		// 60 output tokens at $0.60/1M.
		worst := (100*0.15 + 60*0.6) / 1e6
		if conc == 1 && limit-s.SpentUSD > worst {
			t.Fatalf("stopped $%v short of the cap, more than one request ($%v)", limit-s.SpentUSD, worst)
		}
		// A resume with a higher cap continues and finishes.
		opt.MaxCostUSD = 1
		s2, err := Run(context.Background(), job, opt)
		if err != nil || s2.Stop != Completed || s2.OK != 400 {
			t.Fatalf("resume: stop=%v ok=%d err=%v %v", s2.Stop, s2.OK, s2.Err, err)
		}
		db, _ := checkpoint.Open(context.Background(), job.State)
		tot, _ := db.Totals(context.Background())
		db.Close()
		if tot.OK != 400 || s2.SpentUSD < s.SpentUSD {
			t.Fatalf("totals %+v, spent %v then %v", tot, s.SpentUSD, s2.SpentUSD)
		}
	}
}

func TestMaxCostRefusesUnpricedModel(t *testing.T) {
	e := newEnv(t, simulator.Config{})
	job := e.job(writeCSV(t, e.dir, 3))
	job.Model = "my-local-model"
	opt := e.opts()
	opt.MaxCostUSD = 1
	_, err := Run(context.Background(), job, opt)
	var ce *ConfigError
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "--prices") {
		t.Fatalf("err = %v, want a ConfigError naming --prices", err)
	}
}
