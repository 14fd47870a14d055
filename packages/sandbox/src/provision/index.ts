/** Provisioning API of `unrot-sandbox up|down|status`, for scripts and end-to-end tests. */
export { aptSourceLine, buildAptRepo, DEMO_DEB, DEMO_DEB_VERSIONS, FRAGILE_DEB, PYCONF_DEB, WEBCONF_DEB } from './apt-repo.js';
export { ctExec } from './ct.js';
export { type DownResult, down } from './down.js';
export { DNF_VMID, OS_VMIDS, PACMAN_VMID } from './os-ct.js';
export { ensureOsPackages, OS_BROKEN_VERSION, OS_DEMO, OS_KEEP, OS_PACKAGES, RPM_BASE } from './os-packages.js';
export { PACMAN_REPO, publishBrokenUpdate } from './os-repos.js';
export { PY_APP_DIR, PY_VENV, PY_VMID } from './py-ct.js';
export { DEMO_LIB, DEMO_LIB_VERSIONS, demoWheels, writeSimpleIndex } from './py-index.js';
export { CT_GROUPS, type CtGroup, ctGroups, DEFAULT_CACHE_DIR, type SandboxSettings, sandboxSettings } from './settings.js';
export { readState, type SandboxState } from './state.js';
export { type ContainerStatus, formatStatus, type SandboxStatus, status } from './status.js';
export { ensureTemplate, templateDir } from './template.js';
export { type UpResult, up } from './up.js';
export { MS_INSTALLED, MS_RANGE, WEB_APP_DIR, WEB_VMID } from './web-ct.js';
export { buildWheel, type WheelSpec } from './wheel.js';
