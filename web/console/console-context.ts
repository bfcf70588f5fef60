import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import type { AdminApi, Session } from '../shared/api.ts'

export interface ConsoleContext {
  readonly api: AdminApi
  readonly session: Session
  /** Viewers see every page but no button that changes anything (the API refuses them too). */
  readonly canChange: boolean
}

export const ConsoleContextValue = createContext<ConsoleContext | undefined>(undefined)

export function useConsole(): ConsoleContext {
  const context = useContext(ConsoleContextValue)
  if (!context) throw new Error('useConsole outside the signed-in console')
  return context
}
