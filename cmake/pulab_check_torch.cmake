# pulab_check_torch_abi(<TORCH_CXX_FLAGS>): stops the configure step with a clear message when the
# LibTorch found was built with the pre-C++11 std::string ABI (_GLIBCXX_USE_CXX11_ABI=0, e.g. older
# PyTorch wheels). pulab also links Debian's Boost, fmt and toml++, built with the C++11 ABI, and
# the two cannot share a process: better said now than as undefined references at link time.
function(pulab_check_torch_abi flags)
  if(flags MATCHES "_GLIBCXX_USE_CXX11_ABI=0")
    message(FATAL_ERROR "The LibTorch found (${Torch_DIR}) is built with the pre-C++11 string ABI "
            "(_GLIBCXX_USE_CXX11_ABI=0) and cannot be linked with Debian's Boost, fmt and toml++. Use a "
            "C++11-ABI LibTorch: pytorch.org's \"cxx11 ABI\" LibTorch archive, or a PyTorch wheel for which "
            "python3 -c 'import torch; print(torch._C._GLIBCXX_USE_CXX11_ABI)' prints True.")
  endif()
endfunction()
