package pipeline

import (
	"fmt"
	"io"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/internal/jobstate"
	"github.com/batchprompt/batchprompt/internal/request"
	"github.com/batchprompt/batchprompt/readers"
	"github.com/batchprompt/batchprompt/writers"
)

// Prices is a price table: USD per 1M tokens, context windows and output
// caps, per model.
type Prices = budget.Prices

// LoadPrices returns the embedded price table with the models of file (a
// JSON or YAML map of model → {input, output, cached_input, batch_input,
// batch_output, context_window, max_output}) added or replaced; file ""
// returns the embedded table alone. Errors name the file and what is wrong.
func LoadPrices(file string) (*Prices, error) {
	p := budget.DefaultPrices()
	if file == "" {
		return p, nil
	}
	return p.WithOverrides(file)
}

// Check returns every configuration problem of job that can be found
// without opening the input or the network: missing settings, outputs
// given twice or in a format that cannot be written, a template that does
// not parse. It changes nothing on disk. Run finds the same problems (and
// stops at the first).
func Check(job Job) []error {
	var problems []error
	add := func(format string, args ...any) { problems = append(problems, fmt.Errorf(format, args...)) }
	if job.Input == "" {
		add("no input: give -i/--input")
	}
	if len(job.Outputs) == 0 {
		add("no output: give -o/--output (repeatable)")
	}
	seen := map[string]bool{}
	job.dropKeptID()
	for _, o := range job.Outputs {
		if seen[o] {
			add("output %s is given twice", o)
		}
		seen[o] = true
		format, err := jobstate.OutputFormat(o, job.OutputFormat)
		if err == nil {
			_, err = writers.New(format, io.Discard, job.Schema())
		}
		if err != nil {
			add("output %s: %v", o, err)
		}
	}
	if _, err := request.New(job.requestConfig(false, nil)); err != nil && !job.mayBeBatch() {
		problems = append(problems, err)
	}
	if job.Model == "" {
		add("no model: give --model")
	}
	return problems
}

// mayBeBatch reports whether the job's input may turn out to be Batch API
// lines, which need no prompt: only the input itself can tell.
func (j *Job) mayBeBatch() bool {
	if j.templated() || (j.InputFormat != "" && j.InputFormat != FormatOpenAIBatch) {
		return false
	}
	if j.InputFormat == FormatOpenAIBatch || j.Input == "-" {
		return true
	}
	f, err := readers.DetectFormat(j.Input)
	return err == nil && f == "jsonl"
}
