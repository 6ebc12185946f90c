package batchapi

import (
	"fmt"

	"github.com/batchprompt/batchprompt/budget"
)

// Reserve books, against cp, the worst case of a file of requests at
// Batch API prices (each request's prompt tokens and output cap) before
// it is uploaded, so --max-cost holds here too. It returns the settle
// function and the amount reserved.
func Reserve(cp *budget.Cap, price budget.Price, tokens, maxOut []int64) (func(float64), float64, error) {
	var worst float64
	for i := range tokens {
		worst += price.BatchWorstCase(tokens[i], maxOut[i])
	}
	res, err := cp.Reserve(worst)
	if err != nil {
		return nil, 0, fmt.Errorf("the next batch could cost up to $%.6f and the cap is $%.2f with $%.4f spent and $%.4f reserved: rerun with a higher --max-cost to continue",
			worst, cp.Limit(), cp.Spent(), cp.Reserved())
	}
	return func(spent float64) { res.Settle(spent) }, worst, nil
}

// Hold books again, against this run's cap, the worst case an earlier run
// reserved for a batch still running: its answers will be paid for. A cap
// lowered below it since holds nothing, and holds new submissions back.
func Hold(cp *budget.Cap, worst float64) (func(float64), error) {
	res, err := cp.Reserve(worst)
	if err != nil {
		return nil, fmt.Errorf("batches still running may cost up to $%.6f, more than the cap of $%.2f leaves: rerun with a higher --max-cost to submit the rest", worst, cp.Limit())
	}
	return func(spent float64) { res.Settle(spent) }, nil
}
