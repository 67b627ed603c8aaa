package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// inputs is what pipe copies: files one after the other, standard input
// for "-" or when there are none.
type inputs struct {
	io.Reader
	files []*os.File
}

// openInputs opens the files named, so that a missing one is reported
// before anything is read.
func openInputs(names []string, stdin io.Reader) (*inputs, error) {
	if len(names) == 0 {
		return &inputs{Reader: stdin}, nil
	}
	in := &inputs{}
	var readers []io.Reader
	stdinUsed := false
	for _, name := range names {
		if name == "-" {
			if stdinUsed {
				in.Close()
				return nil, usagef("pipe: - stands for standard input, which can be read only once")
			}
			stdinUsed = true
			readers = append(readers, stdin)
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			in.Close()
			return nil, fmt.Errorf("pipe: %w", err)
		}
		if fi, err := f.Stat(); err == nil && fi.IsDir() {
			f.Close()
			in.Close()
			return nil, fmt.Errorf("pipe: %s is a directory", name)
		}
		in.files = append(in.files, f)
		readers = append(readers, f)
	}
	in.Reader = io.MultiReader(readers...)
	return in, nil
}

// Close closes the files.
func (in *inputs) Close() error {
	var errs []error
	for _, f := range in.files {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}
