import { useAction } from '../../shared/components.tsx'
import type { Booking } from '../market-api.ts'
import { useOwner } from '../owner-context.ts'
import { TEXT } from '../strings.ts'

const words = TEXT.listing

/** Accepting or declining a pending booking; `onDecided` reloads what shows it, whatever the answer. */
export function useDecision(onDecided: () => void) {
  const { api } = useOwner()
  return useAction(async (booking: Booking, decision: 'accept' | 'decline') => {
    try {
      await api.post(`/bookings/${booking.id}/${decision}`)
    } finally {
      onDecided()
    }
  })
}

/** The two buttons of a pending booking, named after its slot: every pending row has the same two. */
export function DecisionButtons(props: {
  booking: Booking
  slot: string
  decision: ReturnType<typeof useDecision>
}) {
  const { booking, slot, decision } = props
  return (
    <div class="actions">
      <button
        type="button"
        disabled={decision.busy}
        aria-label={words.acceptLabel(slot)}
        onClick={() => void decision.run(booking, 'accept')}
      >
        {words.accept}
      </button>
      <button
        type="button"
        class="secondary"
        disabled={decision.busy}
        aria-label={words.declineLabel(slot)}
        onClick={() => void decision.run(booking, 'decline')}
      >
        {words.decline}
      </button>
    </div>
  )
}
