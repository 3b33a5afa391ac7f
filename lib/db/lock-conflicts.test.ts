import { isLockConflict, retryOnLockConflict } from './lock-conflicts.js';

const mysqlError = (code: string) => Object.assign(new Error(code), { code });

describe('retryOnLockConflict', () => {
  it('runs the transaction again after a deadlock or a lock wait timeout', async () => {
    const failures = [mysqlError('ER_LOCK_DEADLOCK'), mysqlError('ER_LOCK_WAIT_TIMEOUT')];
    let runs = 0;
    const result = await retryOnLockConflict(async () => {
      runs++;
      const failure = failures.shift();
      if (failure) throw failure;
      return 'done';
    });
    expect(result).toBe('done');
    expect(runs).toBe(3);
  });

  it('does not retry any other failure', async () => {
    let runs = 0;
    await expect(
      retryOnLockConflict(async () => {
        runs++;
        throw mysqlError('ER_DUP_ENTRY');
      }),
    ).rejects.toThrow('ER_DUP_ENTRY');
    expect(runs).toBe(1);
  });

  it('gives up after its tries, with the last conflict', async () => {
    let runs = 0;
    await expect(
      retryOnLockConflict(async () => {
        runs++;
        throw mysqlError('ER_LOCK_DEADLOCK');
      }, 2),
    ).rejects.toThrow('ER_LOCK_DEADLOCK');
    expect(runs).toBe(3);
  });

  it('knows a lock conflict by its code only', () => {
    expect(isLockConflict(mysqlError('ER_LOCK_DEADLOCK'))).toBe(true);
    expect(isLockConflict(new Error('Deadlock found when trying to get lock'))).toBe(false);
    expect(isLockConflict(null)).toBe(false);
  });
});
