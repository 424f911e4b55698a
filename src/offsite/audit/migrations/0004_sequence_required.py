from django.db import migrations, models


class Migration(migrations.Migration):
    """Every entry now has its place in the chain; no two share one."""

    dependencies = [
        ("audit", "0003_chain_existing_entries"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditentry",
            name="sequence",
            field=models.PositiveBigIntegerField(unique=True),
        ),
    ]
