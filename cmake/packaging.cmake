# Install layout and the Debian package (docs/operations.md, "Packaging").
#   DESTDIR=/tmp/root cmake --install build  /usr/bin/slawatch, /usr/share/... (prefix /usr by
#                                            default); /etc and /lib/systemd are absolute
#   cpack --config build/CPackConfig.cmake   build/slawatch_<version>_<arch>.deb
# The unit runs /usr/bin/slawatch: install under /usr unless told otherwise.
if(CMAKE_INSTALL_PREFIX_INITIALIZED_TO_DEFAULT)
  set(CMAKE_INSTALL_PREFIX /usr CACHE PATH "Install prefix" FORCE)
endif()
include(GNUInstallDirs)
set(SLAWATCH_ETC /etc/slawatch)
set(SLAWATCH_SHARE ${CMAKE_INSTALL_DATADIR}/slawatch)

install(FILES ${CMAKE_SOURCE_DIR}/systemd/slawatch.service DESTINATION /lib/systemd/system)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/slawatch.yaml DESTINATION ${SLAWATCH_ETC})
file(GLOB slawatch_rule_files CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/rules/*.yaml)
install(FILES ${slawatch_rule_files} DESTINATION ${SLAWATCH_ETC}/rules)
# A pristine copy of the shipped rules with their tests (the tests name ../<pack>.yaml), and
# rules-tests/ pointing at them: `slawatch test /usr/share/slawatch/rules-tests/*.yaml`.
install(FILES ${slawatch_rule_files} DESTINATION ${SLAWATCH_SHARE}/rules)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/rules/tests/ DESTINATION ${SLAWATCH_SHARE}/rules/tests
        FILES_MATCHING PATTERN "*.yaml")
file(CREATE_LINK rules/tests ${CMAKE_BINARY_DIR}/rules-tests SYMBOLIC)
install(FILES ${CMAKE_BINARY_DIR}/rules-tests DESTINATION ${SLAWATCH_SHARE})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/grafana/ DESTINATION ${SLAWATCH_SHARE}/grafana)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

# dpkg conffiles: local edits of the configuration and the rules survive upgrades.
set(conffiles "${SLAWATCH_ETC}/slawatch.yaml\n")
foreach(f ${slawatch_rule_files})
  get_filename_component(n ${f} NAME)
  string(APPEND conffiles "${SLAWATCH_ETC}/rules/${n}\n")
endforeach()
file(WRITE ${CMAKE_BINARY_DIR}/debian/conffiles "${conffiles}")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME slawatch)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "slawatch maintainers <slawatch@example.org>")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "slawatch maintainers <slawatch@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "partner SLA monitoring daemon for social security institutions")
# The summary is the control file's first Description line; this text follows it.
set(CPACK_PACKAGE_DESCRIPTION "slawatch ingests events from banks, post offices, mobile money operators and
other partners, evaluates service-level rules (deadlines, absences, conditions,
aggregates, objectives) and records breaches with evidence; Prometheus metrics,
Alertmanager and webhook notifications, reports. Ships a hardened systemd unit
and rule packs.")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://example.org/slawatch")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)            # needs dpkg-dev and file
set(CPACK_DEBIAN_PACKAGE_DEPENDS "tzdata")         # calendars read the system time zones
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_BINARY_DIR}/debian/conffiles
    ${CMAKE_SOURCE_DIR}/packaging/postinst
    ${CMAKE_SOURCE_DIR}/packaging/prerm
    ${CMAKE_SOURCE_DIR}/packaging/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/package)
include(CPack)
