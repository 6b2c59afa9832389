# Debian/Ubuntu's libtrilinos-kokkos-dev (Kokkos 3.4.01, built through TriBITS)
# exports Kokkos::kokkos with INTERFACE_INCLUDE_DIRECTORIES=/usr/lib/include,
# a directory that does not exist; the headers live in Kokkos_INCLUDE_DIRS
# (/usr/include/trilinos). Repair the imported target in this project only;
# system files are never edited. Used both by kode's own build and by the
# installed kodeConfig.cmake, so downstream projects get the same repair.
if(TARGET Kokkos::kokkos)
  get_target_property(_kode_kokkos_incs Kokkos::kokkos INTERFACE_INCLUDE_DIRECTORIES)
  set(_kode_kokkos_fixed_incs "")
  set(_kode_kokkos_needs_fix FALSE)
  foreach(_dir IN LISTS _kode_kokkos_incs)
    if(_dir MATCHES "^\\$<" OR EXISTS "${_dir}")
      list(APPEND _kode_kokkos_fixed_incs "${_dir}")
    else()
      set(_kode_kokkos_needs_fix TRUE)
    endif()
  endforeach()
  if(_kode_kokkos_needs_fix)
    foreach(_dir IN LISTS Kokkos_INCLUDE_DIRS)
      get_filename_component(_dir "${_dir}" ABSOLUTE)
      if(EXISTS "${_dir}")
        list(APPEND _kode_kokkos_fixed_incs "${_dir}")
      endif()
    endforeach()
    list(REMOVE_DUPLICATES _kode_kokkos_fixed_incs)
    set_target_properties(Kokkos::kokkos PROPERTIES
      INTERFACE_INCLUDE_DIRECTORIES "${_kode_kokkos_fixed_incs}")
    message(STATUS "kode: repaired Kokkos::kokkos include directories -> ${_kode_kokkos_fixed_incs}")
  endif()
endif()
