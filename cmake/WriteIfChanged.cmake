# write_if_changed(PATH CONTENT): writes CONTENT to PATH only when it differs, so a generated source that did
# not change keeps its time stamp and nothing that depends on it is rebuilt.
function(write_if_changed path content)
  set(old "")
  if(EXISTS "${path}")
    file(READ "${path}" old)
  endif()
  if(NOT old STREQUAL content)
    file(WRITE "${path}" "${content}")
  endif()
endfunction()
