import type { Notification } from '@unrot/sdk';

export const failureMessage: Notification = {
  severity: 'failure',
  title: 'FAILURE: 1 failed, 2 updated on pve1',
  text: [
    '!!! unrot FAILURE on pve1: ACTION NEEDED !!!',
    'CT 103 db103: step apply (apt), E_EXEC_FAILED: dpkg said <script>alert("x")</script> & left pkg<2 half-configured',
  ].join('\n'),
  runId: '20261126T021500Z-3fa9c2',
  report: { summary: { failed: 1, updated: 2 } },
};

export const successMessage: Notification = {
  severity: 'success',
  title: '3 updated on pve1',
  text: 'unrot run on pve1: success (all 3 containers fine)',
  runId: '20261126T031500Z-aaaaaa',
  report: {},
};
