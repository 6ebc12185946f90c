package pipeline

import (
	"fmt"

	"github.com/batchprompt/batchprompt/budget"
	"github.com/batchprompt/batchprompt/internal/jobstate"
	"github.com/batchprompt/batchprompt/internal/request"
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
		if err := jobstate.CheckFormat(o, job.OutputFormat, job.Schema()); err != nil {
			problems = append(problems, err)
		}
	}
	if _, err := request.New(job.requestConfig(false, nil)); err != nil && !request.MayBeBatch(job.Input, job.InputFormat, job.templated()) {
		problems = append(problems, err)
	}
	if job.Model == "" {
		add("no model: give --model")
	}
	return problems
}
