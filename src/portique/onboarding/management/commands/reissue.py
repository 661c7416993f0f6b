from portique.onboarding.management.commands.letters import Command as LettersCommand


class Command(LettersCommand):
    help = (
        "Reissue the PASS'UM letters of these people (the same as `portique letters`): each "
        "gets a new provisional password, the previous letter stops working, and the new "
        "letters are written to OUT.pdf."
    )
