#pragma once
// Small text helpers for messages.
#include <string>

namespace due {

// `text` without leading blanks and trailing white space (and NULs, which DICOM pads values with).
std::string trimmed(std::string text);

// The first line of a library's message (ITK, LibTorch and GDCM append stack traces and file locations on
// further lines), trimmed: what our one-line errors quote.
std::string first_line(const std::string& text);

}  // namespace due
