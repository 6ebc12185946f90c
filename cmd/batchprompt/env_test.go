package main

// mapEnv is an Env for tests: the variables are the map's.
type mapEnv map[string]string

func (m mapEnv) Lookup(k string) (string, bool) { v, ok := m[k]; return v, ok }
