#pragma once
// The two kinds of failure a user can fix, each mapped to exit status 2 by the tool runner.
// Anything else that escapes a tool is an internal failure (exit status 1).
#include <stdexcept>
#include <string>

namespace due {

// Bad input: a file that is missing, unreadable or malformed, or a config value that is out of range.
// The message is one line that names the file (or key) and the problem.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bad command line: unknown option, missing argument, a value of the wrong form.
class UsageError : public InputError {
 public:
  using InputError::InputError;
};

}  // namespace due
