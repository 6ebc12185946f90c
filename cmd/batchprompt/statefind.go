package main

import (
	"errors"

	"github.com/spf13/pflag"
)

// stateFlags are how status and export find a job's state database.
type stateFlags struct {
	state    string
	simulate bool
}

func (s *stateFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&s.state, "state", "", "the job's state database; default: found from the job file as run finds it")
	fs.BoolVar(&s.simulate, "simulate", false, "the state database of --simulate runs (<job>.sim.state.db)")
}

// locateState settles the state database path the way run would, and the
// job file's own output paths (nil without a job file). Only the settings
// that locate files are needed, so template and system files are not read:
// status must work after they moved.
func locateState(sf stateFlags, jobPath string, env Env) (string, []string, error) {
	if jobPath == "" {
		if sf.state == "" {
			return "", nil, &usageError{errors.New("name the job: give JOB.yaml or --state PATH")}
		}
		return sf.state, nil, nil
	}
	var rf runFlags
	fs := pflag.NewFlagSet("run", pflag.ContinueOnError)
	rf.register(fs)
	if sf.state != "" {
		_ = fs.Set("state", sf.state) // a plain string flag cannot fail
	}
	if sf.simulate {
		_ = fs.Set("simulate", "true")
	}
	jf, err := readJobFile(jobPath, fs)
	if err != nil {
		return "", nil, err
	}
	if err := applyLayers(fs, jf, env); err != nil {
		return "", nil, err
	}
	rf.templateFile, rf.systemFile = "", ""
	job, err := buildJob(&rf, fs, jobPath)
	if err != nil {
		return "", nil, err
	}
	return job.State, job.Outputs, nil
}
