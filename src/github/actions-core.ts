// The slice of @actions/core the GitHub adapters use, so tests can pass a recorder instead of the real module.
import type * as core from '@actions/core';

export type ActionsCore = Pick<
  typeof core,
  | 'getInput'
  | 'setSecret'
  | 'setOutput'
  | 'setFailed'
  | 'info'
  | 'debug'
  | 'warning'
  | 'error'
  | 'notice'
  | 'startGroup'
  | 'endGroup'
  | 'saveState'
  | 'getState'
  | 'getIDToken'
> & { summary: Pick<typeof core.summary, 'addRaw' | 'write'> };
